import type { Db, Handle } from '../db/database';
import { MESSAGE_ENDPOINT } from './claims.repository';
import {
  type DeliveryBatch,
  deliveryBatch,
  type EventRow,
  type Queued,
  waitBehind,
} from './deliveries.repository';
import { fanOutLock } from './endpoints.repository';

/**
 * The fan-out: which events are queued, as a delivery row each, for which endpoint, and when.
 *
 * An endpoint has at most QUEUE_WINDOW deliveries pending. While it has room, each new event is queued
 * for it as soon as the event is fanned out. Once the window is full (the receiver is down, hangs or is
 * slower than the traffic) the endpoint is "behind" from that event on: later events stay in the events
 * table only, and are queued for it from there, in order, as its window frees. A receiver that is down
 * for an hour so costs one number, not a row and five index entries per event written while it was.
 * The events of a message's `statusCallbackUrl` are queued at once, without a window: each URL there is
 * an endpoint of its own, and a window per URL would need a cursor per URL.
 */

/** Pending deliveries an endpoint has at most; the rest of its backlog waits in the events table. */
export const QUEUE_WINDOW = 1000;

/** Events read per statement, new ones and those an endpoint that is behind catches up on. */
const SCAN = 500;

export type FanOutResult = {
  queued: Queued[];
  /** More is left to fan out now: call again. */
  more: boolean;
};

type Target = {
  id: string;
  url: string;
  types: ReadonlySet<string> | null;
  /** Seq from which fanned-out events are not yet queued for it; null when none is missing. */
  behind: number | null;
  resumedAt: string | null;
  /** Deliveries it may still have queued. */
  room: number;
  moved: boolean;
};

const takes = (target: Target, type: string) => target.types === null || target.types.has(type);

/**
 * Queues each event not yet fanned out for every endpoint that takes its type and has room (and for its
 * message's statusCallbackUrl), and catches up endpoints that are behind, oldest event first. One
 * instance at a time (an advisory lock on PostgreSQL), in event order, so a message's deliveries are
 * queued in the order its events happened.
 */
export async function fanOut(
  db: Db,
  options: { now: string; retryForMs: number; limit?: number; window?: number },
): Promise<FanOutResult> {
  const { now, retryForMs, limit = SCAN, window = QUEUE_WINDOW } = options;
  const nowMs = Date.parse(now);
  // Most looks find nothing: no transaction (nor lock) for those.
  const fresh = await db.selectFrom('events').select('seq').where('fanned_out', '=', 0).limit(1).execute();
  const behind = await db
    .selectFrom('event_endpoints')
    .select('id')
    .where('behind_from_seq', 'is not', null)
    .limit(1)
    .execute();
  if (fresh.length === 0 && behind.length === 0) return { queued: [], more: false };
  return db.transaction().execute(async (trx) => {
    if (!(await fanOutLock(trx, 'try'))) return { queued: [], more: false };
    const targets = await loadTargets(trx, window);
    const batch = deliveryBatch(now);
    const fromNow = new Date(nowMs + retryForMs).toISOString();
    // Endpoints that are behind take what they missed first: it is older than any new event. Once half
    // their window is free, so that each look queues many.
    let more = false;
    for (const target of targets) {
      if (target.behind === null || target.room < Math.ceil(window / 2)) continue;
      if (await catchUp(trx, target, batch, retryForMs)) more = true;
    }

    const events = await trx
      .selectFrom('events')
      .select(['seq', 'id', 'type', 'message_id', 'created_at'])
      .where('fanned_out', '=', 0)
      .orderBy('seq')
      .limit(limit)
      .execute();
    if (events.length === limit) more = true;
    const ownUrls = await statusCallbackUrls(trx, events);
    for (const event of events) {
      const seq = Number(event.seq);
      for (const target of targets) {
        if (!takes(target, event.type)) continue;
        // An event that commits after later ones (PostgreSQL) may come after the endpoint fell behind:
        // it is before the gap, so it is queued now or never.
        if (target.behind !== null && seq >= target.behind) continue;
        if (target.behind === null && target.room <= 0) {
          target.behind = seq;
          target.moved = true;
          continue;
        }
        batch.queue(event, target, fromNow);
        target.room--;
      }
      const own = event.message_id ? ownUrls.get(event.message_id) : undefined;
      if (own) batch.queue(event, { id: MESSAGE_ENDPOINT, url: own }, fromNow);
    }

    const { rows, queued } = batch;
    await waitBehind(trx, rows, now);
    for (let i = 0; i < rows.length; i += 200) {
      await trx
        .insertInto('event_deliveries')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['event_id', 'endpoint_id']).doNothing())
        .execute();
    }
    if (events.length > 0) {
      await trx
        .updateTable('events')
        .set({ fanned_out: 1 })
        .where(
          'seq',
          'in',
          events.map((e) => e.seq),
        )
        .execute();
    }
    for (const target of targets) {
      if (!target.moved) continue;
      await trx
        .updateTable('event_endpoints')
        .set({ behind_from_seq: target.behind })
        .where('id', '=', target.id)
        .execute();
    }
    return { queued, more };
  });
}

/**
 * Queues for an endpoint that is behind what it missed, oldest first, while it has room, and moves its
 * mark past it (null once nothing fanned out is missing). True when it has room and more to read now.
 */
async function catchUp(
  trx: Handle,
  target: Target,
  batch: DeliveryBatch,
  retryForMs: number,
): Promise<boolean> {
  if (target.behind === null) return false;
  let query = trx
    .selectFrom('events')
    .select(['seq', 'id', 'type', 'message_id', 'created_at', 'redelivered_at'])
    .where('seq', '>=', target.behind)
    .where('fanned_out', '=', 1);
  // Only what it takes: an endpoint of a rare type reads its few events, not the whole backlog.
  if (target.types !== null) query = query.where('type', 'in', [...target.types]);
  const missed = await query.orderBy('seq').limit(SCAN).execute();
  let next: number | null = null;
  for (const event of missed) {
    if (target.room <= 0) {
      next = Number(event.seq);
      break;
    }
    // Retried for EVENT_RETRY_FOR_SECONDS from the event, its last redeliver or the endpoint's last
    // resume, whichever is latest.
    const since = [event.created_at, event.redelivered_at, target.resumedAt].reduce<string>(
      (latest, t) => (t && t > latest ? t : latest),
      event.created_at,
    );
    const retryUntil = new Date(Date.parse(since) + retryForMs).toISOString();
    if (!batch.queue(event, target, retryUntil)) target.room--;
  }
  if (next === null && missed.length === SCAN) next = Number(missed[missed.length - 1]?.seq) + 1;
  target.behind = next;
  target.moved = true;
  return next !== null && target.room > 0;
}

/** The endpoints, each with the room left in its window. */
async function loadTargets(trx: Handle, window: number): Promise<Target[]> {
  const endpoints = await trx
    .selectFrom('event_endpoints')
    .select(['id', 'url', 'event_types', 'behind_from_seq', 'resumed_at'])
    .orderBy('id')
    .execute();
  if (endpoints.length === 0) return [];
  const counts = await trx
    .selectFrom('event_deliveries')
    .select(['endpoint_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', '=', 'pending')
    .where(
      'endpoint_id',
      'in',
      endpoints.map((e) => e.id),
    )
    .groupBy('endpoint_id')
    .execute();
  const pending = new Map(counts.map((c) => [c.endpoint_id, Number(c.n)]));
  return endpoints.map((e) => ({
    id: e.id,
    url: e.url,
    types: e.event_types === null ? null : new Set(JSON.parse(e.event_types) as string[]),
    behind: e.behind_from_seq === null ? null : Number(e.behind_from_seq),
    resumedAt: e.resumed_at,
    room: window - (pending.get(e.id) ?? 0),
    moved: false,
  }));
}

/** The statusCallbackUrl of each of these events' messages that has one. */
async function statusCallbackUrls(trx: Handle, events: EventRow[]): Promise<Map<string, string>> {
  const messageIds = [...new Set(events.flatMap((e) => (e.message_id ? [e.message_id] : [])))];
  const urls = new Map<string, string>();
  if (messageIds.length === 0) return urls;
  const rows = await trx
    .selectFrom('messages')
    .select(['id', 'status_callback_url'])
    .where('id', 'in', messageIds)
    .where('status_callback_url', 'is not', null)
    .execute();
  for (const row of rows) if (row.status_callback_url) urls.set(row.id, row.status_callback_url);
  return urls;
}
