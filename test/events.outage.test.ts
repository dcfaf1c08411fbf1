import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { type Dispatcher, startDispatcher } from '../src/events/dispatcher';
import { emitEvent } from '../src/events/outbox.repository';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { testConfig } from './helpers/app';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { startEventReceiver, withEvents } from './helpers/event-receiver';

const HOUR = 3_600_000;
const STATUSES = ['Dispatched', 'Delivered'] as const;

/** A message's events as tracking writes them: sent, then a status, each in a transaction of its own. */
async function emit(db: Db, messageId: string, step: 'sent' | (typeof STATUSES)[number] | 'completed') {
  const now = new Date().toISOString();
  const ids = { messageId, batchId: `b-${messageId}`, clientReference: messageId };
  await db.transaction().execute(async (trx) => {
    if (step === 'sent') await emitEvent(trx, 'message.sent', { ...ids, sentAt: now }, now);
    else if (step === 'completed')
      await emitEvent(trx, 'message.completed', { ...ids, completedAt: now }, now);
    else {
      const data = {
        ...ids,
        recipient: '+15551234567',
        status: step,
        code: 0,
        at: now,
        operatorStatusAt: null,
      };
      await emitEvent(trx, 'message.status_changed', { ...data, final: step === 'Delivered' }, now);
    }
  });
}

describe.each(DB_KINDS)('a receiver down for an hour, on %s', (kind) => {
  it('When the receiver answers 503 for an hour of back-off and the dispatcher restarts meanwhile, then afterwards it gets every event once, in order per message, verified', async () => {
    // Only Date is faked: the back-off's hour passes by moving the clock, the I/O runs for real.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const startMs = Date.parse('2026-12-02T08:00:00.000Z');
    vi.setSystemTime(startMs);
    const db = await openTestDatabase(kind);
    let down = true;
    const receiver = await startEventReceiver({ respond: () => (down ? 503 : 200) });
    // The defaults an operator has (a 5 s first retry, doubling to an hour), but a quick poll.
    const settings = withEvents([receiver.url], { retryBaseMs: 5_000, pollMs: 10 })(testConfig()).events;
    const start = () =>
      startDispatcher({
        db,
        settings,
        log: createLogger('silent'),
        metrics: createMetrics({ processMetrics: false }),
      });
    let dispatcher: Dispatcher = start();
    onTestFinished(() => dispatcher.stop());

    const messages = Array.from({ length: 4 }, () => newId());
    for (const id of messages) await emit(db, id, 'sent');
    for (const id of messages) await emit(db, id, 'Dispatched');

    const attempts = async () =>
      Number(
        (
          await db
            .selectFrom('event_attempts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const nextDue = async () =>
      (
        await db
          .selectFrom('event_deliveries')
          .select((eb) => eb.fn.min('next_attempt_at').as('at'))
          .where('status', '=', 'pending')
          .executeTakeFirst()
      )?.at as string | null;
    /** Moves the clock to the next attempt due, and waits until it was made and recorded. */
    async function nextAttempt(): Promise<void> {
      const at = await nextDue();
      if (at === null) throw new Error('nothing pending');
      const before = receiver.received.length;
      vi.setSystemTime(Math.max(Date.parse(at), Date.now()) + 1);
      dispatcher.kick();
      // Tried (or already sent by the dispatcher on its own, after the one before it was delivered).
      await vi.waitUntil(async () => receiver.received.length > before || (await nextDue()) !== at, {
        timeout: 10_000,
        interval: 5,
      });
      // Recorded before the clock moves on again: a lease never runs out under a delivery in flight.
      await vi.waitUntil(async () => (await attempts()) === receiver.received.length, {
        timeout: 10_000,
        interval: 5,
      });
    }

    // The first try of each message's first event, at once.
    await vi.waitUntil(() => receiver.received.length >= messages.length, { timeout: 10_000, interval: 5 });
    let restarted = false;
    let wroteDuringOutage = false;
    while (Date.now() < startMs + HOUR) {
      await nextAttempt();
      if (!wroteDuringOutage && Date.now() >= startMs + HOUR / 3) {
        wroteDuringOutage = true;
        for (const id of messages) await emit(db, id, 'Delivered');
        for (const id of messages) await emit(db, id, 'completed');
      }
      if (!restarted && Date.now() >= startMs + HOUR / 2) {
        restarted = true;
        await dispatcher.stop();
        dispatcher = start();
      }
    }
    expect(receiver.accepted()).toEqual([]);
    const failed = receiver.received.length;
    // Back-off, not a hammering: the tries of one event came minutes apart by the end (5 s doubling,
    // with jitter: the eighth delay alone is at least 5 min 20 s).
    const gaps = (
      await db
        .selectFrom('event_attempts')
        .select('attempted_at')
        .where(
          'delivery_id',
          '=',
          (
            await db
              .selectFrom('event_deliveries')
              .select('id')
              .orderBy('event_seq')
              .executeTakeFirstOrThrow()
          ).id,
        )
        .orderBy('attempted_at')
        .execute()
    ).map((a, i, all) =>
      i === 0 ? 0 : Date.parse(a.attempted_at) - Date.parse(all[i - 1]?.attempted_at ?? ''),
    );
    expect(Math.max(...gaps)).toBeGreaterThan(5 * 60_000);

    down = false;
    while ((await nextDue()) !== null) await nextAttempt();

    const outbox = await db.selectFrom('events').select(['id', 'message_id']).orderBy('seq').execute();
    const got = receiver.accepted();
    expect(got.map((e) => e.id).sort()).toEqual(outbox.map((e) => e.id).sort());
    expect(got.every((e) => e.verified)).toBe(true);
    for (const id of messages) {
      const mine = got.filter((e) => e.body.data.messageId === id);
      expect(mine.map((e) => e.body.data.status ?? e.type)).toEqual([
        'message.sent',
        'Dispatched',
        'Delivered',
        'message.completed',
      ]);
    }
    // Each refusal was one attempt, and every event was accepted once: nothing was sent twice.
    expect(receiver.received.length).toBe(failed + outbox.length);
  }, 60_000);
});
