import { describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/databases';
import { startEventReceiver, withEvents } from '../helpers/event-receiver';
import { startPair } from './harness';

describe.each(DB_KINDS)('one endpoint that hangs, beside one that answers, on %s', (db) => {
  // 20 sends and 80 events through the emulator: under a loaded machine that takes longer than 10 s.
  it('When one endpoint never answers, then it holds at most EVENT_ENDPOINT_CONCURRENCY deliveries and the other endpoint gets every event meanwhile', {
    timeout: 60_000,
  }, async () => {
    const hanging = await startEventReceiver({ respond: () => 'hang' });
    const healthy = await startEventReceiver();
    // A timeout far past the test's wait: had the hanging endpoint all 16 slots, nothing would move.
    const pair = await startPair({
      db,
      config: withEvents([hanging.url], { timeoutMs: 60_000, perEndpoint: 3 }),
    });
    try {
      const created = await pair.call('POST', '/event-endpoints', { url: healthy.url });
      expect(created.status).toBe(201);
      healthy.useSecret(created.body.secret);

      // More messages than the dispatcher has slots, each its own head of line at the hanging endpoint.
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const sent = await pair.call('POST', '/send-sms', { to: `+155512340${10 + i}`, message: `m${i}` });
        expect(sent.status).toBe(202);
        ids.push(sent.body.messageId);
      }
      const got = await healthy.waitFor((a) => a.length >= 80, 45_000);

      expect(got).toHaveLength(80);
      expect(got.every((e) => e.verified)).toBe(true);
      for (const id of ids) {
        expect(got.filter((e) => e.body.data.messageId === id).map((e) => e.type)).toEqual([
          'message.sent',
          'message.status_changed',
          'message.status_changed',
          'message.completed',
        ]);
      }
      // The hanging endpoint was given its three and no more, although 20 of its events were due.
      expect(hanging.received.length).toBe(3);
    } finally {
      await hanging.close();
    }
  });
});
