import { describe, expect, it } from 'vitest';
import { FINAL_RANK, isFinal } from '../../src/tracking';
import { startPair } from './harness';

describe('end to end: a bulk send', () => {
  it('When one request sends to 1,000 numbers, then it is one batch and every recipient reaches its own final status', {
    timeout: 90_000,
  }, async () => {
    const pair = await startPair({
      config: (c) => ({
        ...c,
        // The emulator runs in this process and starts 1,000 callbacks 20 ms after it answers: on a
        // busy machine they can hold the event loop for over a second before the service has read the
        // 201, and the harness's 1 s Sinch timeout then fires (a 504, correct for a Sinch that slow).
        // Sinch's answer is not what this test is about: it gets the production default, 10 s.
        // Final reports only: this test is about every recipient's own final status, and the Dispatched
        // reports doubled the callbacks (2,000) that two shared cores must carry within the timeout.
        sinch: { ...c.sinch, timeoutMs: 10_000, deliveryReport: 'per_recipient_final' },
        sendLimits: {
          allowedDestinationPrefixes: [],
          maxPerNumberPerHour: 0,
          maxPerDay: 0,
          maxPerKeyPerDay: 0,
        },
      }),
    });
    // Last three digits 000-899: ordinary numbers, delivered; then ten of the emulator's failure
    // scenarios (901 failed, 902 expired, 903 rejected…) among them.
    const numbers = Array.from(
      { length: 990 },
      (_, i) => `+1555${String(Math.floor(i / 900)).padStart(4, '0')}${String(i % 900).padStart(3, '0')}`,
    );
    const failing = ['901', '902', '903', '904', '905'].flatMap((s) => [`+15552000${s}`, `+15553000${s}`]);

    const sent = await pair.call('POST', '/send-sms', {
      to: [...numbers, ...failing],
      message: 'Hello, everyone',
    });

    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(pair.emulator.state.batches()).toHaveLength(1);
    // Polled in the database, sparingly: 1,000 callbacks are on their way and the full view is large.
    const finalCount = async () => {
      const row = await pair.service.db
        .selectFrom('recipients')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('message_id', '=', sent.body.messageId)
        .where('status_rank', '=', FINAL_RANK)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    const deadline = Date.now() + 75_000;
    while ((await finalCount()) < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const view = await pair.waitForMessage(sent.body.messageId, (v) =>
      v.recipients.every((r) => isFinal(r.status)),
    );
    expect(view.recipients).toHaveLength(1000);
    const byStatus = new Map<string, number>();
    for (const r of view.recipients) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({
      Delivered: 990,
      Failed: 2,
      Expired: 2,
      Rejected: 2,
      Aborted: 2,
      Deleted: 2,
    });
    expect(view.status).toBe('Completed');
  });
});
