import { describe, expect, it } from 'vitest';
import { findOptedOut } from '../../src/opt-outs/opt-outs.repository';
import { DB_KINDS } from '../helpers/databases';
import { moText } from '../helpers/opt-outs';
import { type Pair, startPair } from './harness';

/** The handset replies through the emulator, which posts the mo_text to the service as Sinch would. */
async function reply(pair: Pair, from: string, body: string): Promise<void> {
  const res = await fetch(`${pair.config.sinch.baseUrl}/_emulator/inbound`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from, to: '15550001111', body, url: `${pair.config.publicBaseUrl}/webhooks/dlr` }),
  });
  expect(res.status).toBe(202);
}

async function waitForOptOuts(pair: Pair, count: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const listed = await pair.call('GET', '/opt-outs');
    if (listed.body.optOuts.length === count || Date.now() > deadline) return listed.body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(DB_KINDS)('opt-outs end to end, on %s', (db) => {
  it('When a recipient replies STOP through the emulator, then the number is listed; when they reply START, then it is gone', async () => {
    const pair = await startPair({ db });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Hello' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');

    await reply(pair, '+15551234567', 'Stop ');
    const listed = await waitForOptOuts(pair, 1);

    expect(listed.optOuts).toMatchObject([{ number: '+15551234567', source: 'keyword', reason: 'STOP' }]);
    expect((await findOptedOut(pair.service.db, ['15551234567'])).get('15551234567')?.source).toBe('keyword');
    expect(pair.emulator.state.callbacks().filter((c) => c.payload.type === 'mo_text')).toHaveLength(1);

    await reply(pair, '15551234567', 'START');
    const after = await waitForOptOuts(pair, 0);

    expect(after).toEqual({ optOuts: [], nextCursor: null });
    expect((await findOptedOut(pair.service.db, ['15551234567'])).size).toBe(0);
  });

  // The tests below post the mo_text themselves, as Sinch would, to check the answer to each one.
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
