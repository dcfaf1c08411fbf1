import { PostgresAdapter, sql } from 'kysely';
import { newId } from '../core/ids';
import type { Db, Handle } from '../db/database';
import { type Claimed, MESSAGE_ENDPOINT } from './claims.repository';

/** The outbox's delivering side: queuing an event per endpoint, recording attempts (claims: claims.repository.ts). */

type Endpoint = { id: string; url: string; event_types: string | null };

export type Queued = { endpointId: string; type: string };

/**
 * Queues a delivery of each event not yet queued for every endpoint that takes its type, and for its
 * message's statusCallbackUrl. In event order, one instance at a time (an advisory lock on PostgreSQL),
 * so deliveries of one message are queued in the order its events happened.
 */
export async function fanOut(db: Db, now: string, retryUntil: string, limit: number): Promise<Queued[]> {
  // Most looks find nothing: no transaction (nor lock) for those.
  const any = await db.selectFrom('events').select('seq').where('fanned_out', '=', 0).limit(1).execute();
  if (any.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    if (trx.getExecutor().adapter instanceof PostgresAdapter) {
      const { rows } = await sql<{ ok: boolean }>`
        select pg_try_advisory_xact_lock(hashtext('sms-events-fan-out')) as ok`.execute(trx);
      if (!rows[0]?.ok) return [];
    }
    const events = await trx
      .selectFrom('events')
      .select(['seq', 'id', 'type', 'message_id'])
      .where('fanned_out', '=', 0)
      .orderBy('seq')
      .limit(limit)
      .execute();
    if (events.length === 0) return [];
    const endpoints: Endpoint[] = await trx
      .selectFrom('event_endpoints')
      .select(['id', 'url', 'event_types'])
      .execute();
    const messageIds = [...new Set(events.flatMap((e) => (e.message_id ? [e.message_id] : [])))];
    const ownUrls = new Map<string, string>();
    if (messageIds.length > 0) {
      const rows = await trx
        .selectFrom('messages')
        .select(['id', 'status_callback_url'])
        .where('id', 'in', messageIds)
        .where('status_callback_url', 'is not', null)
        .execute();
      for (const row of rows) if (row.status_callback_url) ownUrls.set(row.id, row.status_callback_url);
    }
    const queued: Queued[] = [];
    const rows = events.flatMap((event) => {
      const targets = endpoints
        .filter((e) => e.event_types === null || (JSON.parse(e.event_types) as string[]).includes(event.type))
        .map((e) => ({ id: e.id, url: e.url }));
      const own = event.message_id ? ownUrls.get(event.message_id) : undefined;
      if (own) targets.push({ id: MESSAGE_ENDPOINT, url: own });
      return targets.map((target) => {
        queued.push({ endpointId: target.id, type: event.type });
        return {
          id: newId(),
          event_id: event.id,
          event_seq: event.seq,
          endpoint_id: target.id,
          order_key: event.message_id ?? '',
          url: target.url,
          status: 'pending',
          next_attempt_at: now,
          retry_until: retryUntil,
          created_at: now,
        };
      });
    });
    await waitBehind(trx, rows, now);
    for (let i = 0; i < rows.length; i += 200) {
      await trx
        .insertInto('event_deliveries')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['event_id', 'endpoint_id']).doNothing())
        .execute();
    }
    await trx
      .updateTable('events')
      .set({ fanned_out: 1 })
      .where(
        'seq',
        'in',
        events.map((e) => e.seq),
      )
      .execute();
    return queued;
  });
}

/**
 * A new delivery whose message has an earlier one pending at that endpoint, tried and waiting for its
 * next attempt, is due with it, not before (it could not be sent before anyway): what is due in the
 * claim index is what can be sent. recordAttempt keeps that when the earlier one is retried.
 */
async function waitBehind(
  trx: Handle,
  rows: Array<{ endpoint_id: string; order_key: string; next_attempt_at: string }>,
  now: string,
): Promise<void> {
  if (rows.length === 0) return;
  const endpoints = [...new Set(rows.map((r) => r.endpoint_id))];
  const keys = [...new Set(rows.map((r) => r.order_key))];
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
  for (const row of rows) row.next_attempt_at = behind.get(`${row.endpoint_id} ${row.order_key}`) ?? now;
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
 * Deliveries not finished plus events not yet queued, and the oldest of them. The count reads the
 * partial index of pending deliveries alone (it grows with a backlog: about 0.5 ms per 50,000 on SQLite);
 * the oldest is the first entry of that index; events not yet queued are few.
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
  const oldest = [first?.oldest, unqueued?.oldest]
    .filter((v): v is string => typeof v === 'string')
    .sort()[0];
  return { depth: Number(pending?.n ?? 0) + Number(unqueued?.n ?? 0), oldest: oldest ?? null };
}
