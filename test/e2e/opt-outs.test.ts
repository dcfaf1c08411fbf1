import { describe, expect, it } from 'vitest';
import { findOptedOut } from '../../src/opt-outs/opt-outs.repository';
import { DB_KINDS } from '../helpers/databases';
import { moText } from '../helpers/opt-outs';
import { startPair } from './harness';

// The emulator sends no inbound messages, so the test posts the mo_text itself, as Sinch would.
describe.each(DB_KINDS)('opt-outs end to end, on %s', (db) => {
  it('When a recipient replies STOP, then the number is listed; when they reply START, then it is gone', async () => {
    const pair = await startPair({ db });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Hello' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');

    const stop = await pair.call('POST', '/webhooks/dlr', moText('+15551234567', 'Stop '));
    const listed = await pair.call('GET', '/opt-outs');
    const found = await findOptedOut(pair.service.db, ['15551234567']);

    expect(stop.status).toBe(200);
    expect(listed.body.optOuts).toMatchObject([
      { number: '+15551234567', source: 'keyword', reason: 'STOP' },
    ]);
    expect(found.get('15551234567')?.source).toBe('keyword');

    const start = await pair.call('POST', '/webhooks/dlr', moText('15551234567', 'START'));
    const after = await pair.call('GET', '/opt-outs');

    expect(start.status).toBe(200);
    expect(after.body).toEqual({ optOuts: [], nextCursor: null });
    expect((await findOptedOut(pair.service.db, ['15551234567'])).size).toBe(0);
  });

  it('When a number replied STOP, then the next send to it answers 409 without calling Sinch, and after START it goes out', async () => {
    const pair = await startPair({ db });
    await pair.call('POST', '/webhooks/dlr', moText('+15551234567', 'STOP'));

    const refused = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Hello again' });

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'OPTED_OUT', error: expect.stringContaining('STOP') });
    expect(pair.emulator.state.requests()).toHaveLength(0);

    await pair.call('POST', '/webhooks/dlr', moText('+15551234567', 'START'));
    const allowed = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Welcome back' });

    expect(allowed.status).toBe(202);
    expect(pair.emulator.state.batches()).toHaveLength(1);
  });

  it('When a bulk send lists an opted-out number, then the others get it and that one is reported', async () => {
    const pair = await startPair({ db });
    await pair.call('POST', '/webhooks/dlr', moText('+15557654321', 'unsubscribe'));

    const sent = await pair.call('POST', '/send-sms', {
      to: ['+15551234567', '+15557654321', '+15550001234'],
      message: 'News',
    });

    expect(sent.status).toBe(202);
    expect(sent.body.to).toEqual(['+15551234567', '+15550001234']);
    expect(sent.body.skipped).toEqual([
      { to: '+15557654321', code: 'OPTED_OUT', reason: expect.stringContaining('UNSUBSCRIBE') },
    ]);
    expect(pair.emulator.state.batches()[0]?.batch.to).toEqual(['15551234567', '15550001234']);
  });
});
