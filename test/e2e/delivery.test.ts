import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { isFinal } from '../../src/tracking';
import { DB_KINDS } from '../helpers/databases';
import { startPair } from './harness';

const statuses = (view: { recipients: Array<{ history: Array<{ status: string }> }> }) =>
  view.recipients[0]?.history.map((h) => h.status);

describe.each(DB_KINDS)('end to end with the emulator, on %s', (db) => {
  it('When a message is sent, then it goes Sent to Delivered through real callbacks', async () => {
    const pair = await startPair({ db });

    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Hello' });

    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const view = await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
    expect(view.batchId).toBe(sent.body.batchId);
    expect(statuses(view)).toEqual(['Dispatched', 'Delivered']);
    expect(pair.emulator.state.batches()).toHaveLength(1);
  });
});

describe('end to end: every delivery scenario ends where it should', () => {
  it.each([
    ['delivered', '+15551234567', 'Delivered', 0, ['Dispatched', 'Delivered']],
    ['failed', '+15550100901', 'Failed', 153, ['Dispatched', 'Failed']],
    ['expired', '+15550100902', 'Expired', 406, ['Dispatched', 'Expired']],
    ['rejected', '+15550100903', 'Rejected', 402, ['Dispatched', 'Rejected']],
    ['aborted', '+15550100904', 'Aborted', 412, ['Dispatched', 'Aborted']],
    ['deleted', '+15550100905', 'Deleted', 150, ['Dispatched', 'Deleted']],
    ['duplicated reports', '+15550100911', 'Delivered', 0, ['Dispatched', 'Delivered']],
    ['final before Dispatched', '+15550100912', 'Delivered', 0, ['Delivered']],
    ['slow report', '+15550100913', 'Delivered', 0, ['Dispatched', 'Delivered']],
  ])(
    'When the scenario is %s (%s), then the message ends %s with code %i',
    async (_name, to, status, code, history) => {
      const pair = await startPair();

      const sent = await pair.call('POST', '/send-sms', { to, message: 'Scenario' });
      expect(sent.status).toBe(202);
      const view = await pair.waitForMessage(sent.body.messageId, (v) => isFinal(v.status));
      // Late duplicates and the out-of-order Dispatched have been answered once the emulator is idle.
      await pair.emulatorIdle();
      const settled = await pair.waitForMessage(sent.body.messageId, () => true);

      expect(view.status).toBe(status);
      expect(settled.status).toBe(status);
      expect(settled.recipients[0]?.code).toBe(code);
      expect(statuses(settled)).toEqual(history);
    },
  );

  it('When the scenario is "no report", then no callback comes and the message stays Sent, nothing invented', async () => {
    const pair = await startPair();

    const sent = await pair.call('POST', '/send-sms', { to: '+15550100910', message: 'Silence' });
    expect(sent.status).toBe(202);
    // Idle: the number's one step (to Dispatched, unreported) is taken and nothing else will come.
    await pair.emulatorIdle();

    const view = await pair.waitForMessage(sent.body.messageId, () => true);
    expect(view.status).toBe('Sent');
    expect(view.recipients[0]?.history).toEqual([]);
    expect(pair.emulator.state.callbacks()).toHaveLength(0);
  });

  it('When the same final report arrives three times, then the callback log has three and history has one', async () => {
    const pair = await startPair();

    const sent = await pair.call('POST', '/send-sms', { to: '+15550100911', message: 'Thrice' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
    await pair.emulatorIdle();

    const logged = await pair.service.db.selectFrom('callbacks').select('outcome').execute();
    expect(logged.map((r) => r.outcome).sort()).toEqual(['applied', 'applied', 'ignored', 'ignored']);
  });
});

describe('end to end: Sinch API faults', () => {
  it.each([
    ['429 with Retry-After', '+15550100921'],
    ['500', '+15550100922'],
    ['503', '+15550100923'],
  ])(
    'When Sinch answers %s, then the send is answered 502, kept as SendFailed, and no batch exists',
    async (_n, to) => {
      const pair = await startPair();

      const sent = await pair.call('POST', '/send-sms', { to, message: 'Fault' });

      expect(sent.status).toBe(502);
      expect(sent.body.details.retryable).toBe(true);
      const rows = await pair.service.db.selectFrom('messages').select(['send_status']).execute();
      expect(rows).toEqual([{ send_status: 'SendFailed' }]);
      expect(pair.emulator.state.batches()).toHaveLength(0);
    },
  );

  it.each([
    ['never answers', '+15550100924', 504],
    ['drops the connection after reading the request', '+15550100925', 502],
  ])(
    'When Sinch %s but did create the batch, then its reports still find the message',
    async (_n, to, status) => {
      const pair = await startPair();

      const sent = await pair.call('POST', '/send-sms', { to, message: 'Ambiguous' });

      expect(sent.status).toBe(status);
      const [row] = await pair.service.db.selectFrom('messages').select(['id']).execute();
      const view = await pair.waitForMessage(row?.id ?? '', (v) => v.status === 'Delivered');
      expect(view.batchId).toBe(pair.emulator.state.batches()[0]?.batch.id);
      // The reports prove Sinch had the batch after all.
      expect(view.sendStatus).toBe('Sent');
    },
  );
});

describe('end to end: callbacks the service could not store', () => {
  it.each(DB_KINDS)(
    'When the service cannot store a callback and answers 5xx (%s), then Sinch sends it again and it is applied',
    async (db) => {
      const pair = await startPair({ db });
      // Take the callback log away so storing fails, as a database outage would.
      await sql`alter table callbacks rename to callbacks_away`.execute(pair.service.db);

      const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Retry me' });
      await vi.waitFor(
        // Refused, not stored: a renamed table is answered 500 since storage errors are mapped in one place.
        () => expect(pair.emulator.state.callbacks().some((c) => (c.lastStatus ?? 0) >= 500)).toBe(true),
        { timeout: 3_000, interval: 10 },
      );
      await sql`alter table callbacks_away rename to callbacks`.execute(pair.service.db);

      const view = await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
      expect(statuses(view)).toEqual(['Dispatched', 'Delivered']);
      expect(pair.emulator.state.callbacks().some((c) => c.lastStatus === 503 || c.attempts > 1)).toBe(true);
    },
  );
});
