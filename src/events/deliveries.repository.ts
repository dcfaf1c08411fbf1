import { newId } from '../core/ids';
import type { Db, Handle } from '../db/database';
import type { Claimed } from './claims.repository';

/**
 * The outbox's delivering side: recording attempts, and the backlog (queuing: fan-out.repository.ts;
 * claims: claims.repository.ts).
 */

export type AttemptRecord = {
  status: 'delivered' | 'pending' | 'failed';
  statusCode: number | null;
  error: string | null;
  ms: number;
  nextAttemptAt: string;
};

/**
 * Writes the attempt and what it means for the delivery, only while this instance still holds the lease.
 * A retry also moves the message's later events at this endpoint to its next attempt: they wait for it
 * anyway, and so stay out of the due part of the claim index while they do (a long outage).
 */
export async function recordAttempt(
  db: Handle,
  delivery: Claimed,
  owner: string,
  attempt: AttemptRecord,
  now: string,
): Promise<boolean> {
  const updated = await db
    .updateTable('event_deliveries')
    .set({
      status: attempt.status,
      attempts: delivery.attempts + 1,
      next_attempt_at: attempt.nextAttemptAt,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      lease_owner: null,
      lease_until: null,
      done_at: attempt.status === 'pending' ? null : now,
    })
    .where('id', '=', delivery.id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  if (attempt.status === 'pending') {
    await db
      .updateTable('event_deliveries')
      .set({ next_attempt_at: attempt.nextAttemptAt })
      .where('endpoint_id', '=', delivery.endpointId)
      .where('order_key', '=', delivery.orderKey)
      .where('status', '=', 'pending')
      .where('event_seq', '>', delivery.eventSeq)
      .where('next_attempt_at', '<', attempt.nextAttemptAt)
      .execute();
  }
  await db
    .insertInto('event_attempts')
    .values({
      id: newId(),
      delivery_id: delivery.id,
      event_id: delivery.eventId,
      endpoint_id: delivery.endpointId,
      attempted_at: now,
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.ms,
    })
    .execute();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Deliveries not finished, events not yet fanned out and events an endpoint that is behind has still to
 * queue (fan-out.repository.ts), and the oldest of them. The count of deliveries reads the partial index
 * of pending ones alone (it grows with a window of each endpoint at most); the oldest is the first entry
 * of that index. What an endpoint is behind by is read from the events' key, not counted: the newest
 * seq less where it is behind from, less those not yet fanned out (at most that many: its type filter
 * and gaps in the key are left aside), so a backlog of millions costs a few index lookups.
 */
export async function outboxBacklog(db: Db): Promise<{ depth: number; oldest: string | null }> {
  const pending = await db
    .selectFrom('event_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const first = await db
    .selectFrom('event_deliveries')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const unqueued = await db
    .selectFrom('events')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('fanned_out', '=', 0)
    .executeTakeFirst();
  const notFannedOut = Number(unqueued?.n ?? 0);
  let depth = Number(pending?.n ?? 0) + notFannedOut;
  const oldest = [first?.oldest, unqueued?.oldest];
  const behind = await db
    .selectFrom('event_endpoints')
    .select('behind_from_seq')
    .where('behind_from_seq', 'is not', null)
    .execute();
  if (behind.length > 0) {
    const top = await db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    for (const { behind_from_seq: from } of behind) {
      if (from === null) continue;
      depth += Math.max(0, Number(top?.seq ?? 0) - Number(from) + 1 - notFannedOut);
      const next = await db
        .selectFrom('events')
        .select('created_at')
        .where('seq', '>=', from)
        .where('fanned_out', '=', 1)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      oldest.push(next?.created_at);
    }
  }
  return { depth, oldest: oldest.filter((v): v is string => typeof v === 'string').sort()[0] ?? null };
}
