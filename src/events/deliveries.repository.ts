import type { Insertable } from 'kysely';
import { newId } from '../core/ids';
import type { Db, Handle } from '../db/database';
import type { EventDeliveriesTable } from '../db/schema';
import type { Claimed } from './claims.repository';
import { endpointsBehind } from './endpoints.repository';

/**
 * The outbox's delivering side: recording attempts, and the backlog (queuing: fan-out.repository.ts;
 * claims: claims.repository.ts).
 */

/** A delivery row as the fan-out writes it (fan-out.repository.ts). */
type DeliveryRow = Insertable<EventDeliveriesTable>;

export type Queued = {
  endpointId: string;
  type: string;
  /** Given up at once: it waited for its endpoint longer than EVENT_RETRY_FOR_SECONDS. */
  expired: boolean;
};

/** An event as the fan-out reads it. */
export type EventRow = {
  seq: number | string;
  id: string;
  type: string;
  message_id: string | null;
  created_at: string;
};

/** The delivery rows one fan-out writes (fan-out.repository.ts), and what it queued. */
export function deliveryBatch(now: string) {
  const rows: DeliveryRow[] = [];
  const queued: Queued[] = [];
  return {
    rows,
    queued,
    /**
     * A row for the event at the target; one already past its retry time is given up at once (true).
     */
    queue(event: EventRow, target: { id: string; url: string }, retryUntil: string): boolean {
      const expired = retryUntil <= now;
      queued.push({ endpointId: target.id, type: event.type, expired });
      rows.push({
        id: newId(),
        event_id: event.id,
        event_seq: event.seq,
        endpoint_id: target.id,
        order_key: event.message_id ?? '',
        url: target.url,
        status: expired ? 'failed' : 'pending',
        next_attempt_at: now,
        retry_until: retryUntil,
        created_at: now,
        ...(expired
          ? {
              done_at: now,
              last_error: 'not delivered within EVENT_RETRY_FOR_SECONDS: its endpoint was behind',
            }
          : {}),
      });
      return expired;
    },
  };
}

export type DeliveryBatch = ReturnType<typeof deliveryBatch>;

/**
 * A new delivery whose message has an earlier one pending at that endpoint, tried and waiting for its
 * next attempt, is due with it, not before (it could not be sent before anyway): what is due in the
 * claim index is what can be sent. recordAttempt keeps that when the earlier one is retried.
 */
export async function waitBehind(trx: Handle, rows: DeliveryRow[], now: string): Promise<void> {
  const waiting = rows.filter((r) => r.status === 'pending');
  if (waiting.length === 0) return;
  const endpoints = [...new Set(waiting.map((r) => r.endpoint_id))];
  const keys = [...new Set(waiting.map((r) => r.order_key))];
  const behind = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 500) {
    const found = await trx
      .selectFrom('event_deliveries')
      .select(['endpoint_id', 'order_key', (eb) => eb.fn.max('next_attempt_at').as('at')])
      .where('status', '=', 'pending')
      .where('endpoint_id', 'in', endpoints)
      .where('order_key', 'in', keys.slice(i, i + 500))
      .groupBy(['endpoint_id', 'order_key'])
      .execute();
    for (const f of found) if (f.at > now) behind.set(`${f.endpoint_id} ${f.order_key}`, f.at);
  }
  for (const row of waiting) row.next_attempt_at = behind.get(`${row.endpoint_id} ${row.order_key}`) ?? now;
}

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
  const behind = await endpointsBehind(db);
  if (behind.length > 0) {
    const top = await db
      .selectFrom('events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    for (const { from } of behind) {
      depth += Math.max(0, Number(top?.seq ?? 0) - from + 1 - notFannedOut);
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
