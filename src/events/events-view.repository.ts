import type { z } from 'zod';
import type { Db } from '../db/database';
import { endpointsBehind, fanOutLock } from './endpoints.repository';
import type { listEventsQuery } from './events-api.schemas';

type Behind = Awaited<ReturnType<typeof endpointsBehind>>[number];

/** The endpoints that are behind and have still to queue this event (it has no delivery row for them). */
function stillToQueue(
  behind: Behind[],
  event: { seq: number | string; type: string; fanned_out: number },
  queued: { endpoint_id: string }[],
): Behind[] {
  return behind.filter(
    (e) =>
      event.fanned_out === 1 &&
      Number(event.seq) >= e.from &&
      (e.types === null || e.types.has(event.type)) &&
      !queued.some((d) => d.endpoint_id === e.id),
  );
}

/** Events with their deliveries and attempts, newest first, for GET /events. */
export async function listEvents(db: Db, query: z.infer<typeof listEventsQuery>) {
  let events = db
    .selectFrom('events')
    .select(['seq', 'id', 'type', 'message_id', 'payload', 'created_at', 'fanned_out'])
    .orderBy('seq', 'desc')
    .limit(query.limit);
  if (query.messageId) events = events.where('message_id', '=', query.messageId);
  if (query.type) events = events.where('type', '=', query.type);
  // Endpoints that are behind: the events they have still to queue are pending there too, with no row yet.
  const behind = await endpointsBehind(db);
  if (query.status) {
    const status = query.status;
    events = events.where(({ exists, selectFrom, eb, or, and }) => {
      const stored = exists(
        selectFrom('event_deliveries as d')
          .select('d.id')
          .whereRef('d.event_id', '=', 'events.id')
          .where('d.status', '=', status),
      );
      if (status !== 'pending') return stored;
      const unqueued = behind.map((e) =>
        and([
          eb('fanned_out', '=', 1),
          eb('seq', '>=', e.from),
          ...(e.types === null ? [] : [eb('type', 'in', [...e.types, ''])]),
        ]),
      );
      return or([stored, ...unqueued]);
    });
  }
  const rows = await events.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const deliveries = await db
    .selectFrom('event_deliveries')
    .select(['id', 'event_id', 'endpoint_id', 'url', 'status', 'next_attempt_at'])
    .where('event_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const attempts = await db
    .selectFrom('event_attempts')
    .select(['delivery_id', 'attempted_at', 'status_code', 'error', 'duration_ms'])
    .where('event_id', 'in', ids)
    .orderBy('attempted_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    messageId: row.message_id,
    createdAt: row.created_at,
    payload: JSON.parse(row.payload) as unknown,
    deliveries: deliveries
      .filter((d) => d.event_id === row.id)
      .map((d) => ({
        endpointId: d.endpoint_id,
        url: d.url,
        status: d.status as 'pending' | 'delivered' | 'failed',
        attempts: attempts
          .filter((a) => a.delivery_id === d.id)
          .map((a) => ({
            at: a.attempted_at,
            statusCode: a.status_code,
            error: a.error,
            durationMs: a.duration_ms,
          })),
        nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
      }))
      .concat(
        stillToQueue(
          behind,
          row,
          deliveries.filter((d) => d.event_id === row.id),
        ).map((e) => ({
          endpointId: e.id,
          url: e.url,
          status: 'pending' as const,
          attempts: [],
          // Not yet queued: its endpoint has a full window and takes it in turn.
          nextAttemptAt: null,
        })),
      ),
  }));
}

/**
 * Queues every delivery of the event again, with a fresh retry time; undefined when no such event,
 * else how many deliveries it makes pending. Pending from now: `created_at` is what the outbox's
 * oldest-pending age is read from, and an event sent again weeks later has not been waiting for weeks
 * (that age would page whoever is on call). An endpoint that is behind and has still to queue the event
 * gets it in its turn, retried from now too (the fan-out reads `redelivered_at`).
 */
export async function redeliverEvent(db: Db, id: string, now: string, retryUntil: string) {
  return db.transaction().execute(async (trx) => {
    // After a running fan-out: one that read the event before this would queue it without the fresh time.
    await fanOutLock(trx, 'wait');
    const event = await trx
      .updateTable('events')
      .set({ redelivered_at: now })
      .where('id', '=', id)
      .returning(['seq', 'type', 'fanned_out'])
      .executeTakeFirst();
    if (!event) return undefined;
    const result = await trx
      .updateTable('event_deliveries')
      .set({
        status: 'pending',
        next_attempt_at: now,
        retry_until: retryUntil,
        done_at: null,
        created_at: now,
      })
      .where('event_id', '=', id)
      .executeTakeFirst();
    const queued = await trx
      .selectFrom('event_deliveries')
      .select('endpoint_id')
      .where('event_id', '=', id)
      .execute();
    return Number(result.numUpdatedRows) + stillToQueue(await endpointsBehind(trx), event, queued).length;
  });
}
