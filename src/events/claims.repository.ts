import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/database';
import { inTransaction } from '../db/group-commit';
import type { EventType } from './events.schemas';

/** The dispatcher's claims: which deliveries are due, taken under a lease, a few per endpoint at a time. */

export const MESSAGE_ENDPOINT = 'message';

export type Claimed = {
  id: string;
  eventId: string;
  type: EventType;
  endpointId: string;
  url: string;
  orderKey: string;
  eventSeq: number;
  attempts: number;
  retryUntil: string;
  payload: string;
  eventCreatedAt: string;
  /** The endpoint's own secrets (JSON), null for configured endpoints and statusCallbackUrl. */
  secrets: string | null;
  /** Secrets a rotation replaced (JSON, endpoint-secrets.ts); they sign too until their time. */
  retiringSecrets: string | null;
};

/**
 * What the per-endpoint cap counts: an endpoint, or for statusCallbackUrl (all under one endpoint id)
 * each URL, so one application's hanging URL does not hold the others' events either.
 */
export const slotKey = (d: { endpointId: string; url: string }) =>
  d.endpointId === MESSAGE_ENDPOINT ? `${MESSAGE_ENDPOINT} ${d.url}` : d.endpointId;

export type Slots = {
  /** Deliveries this instance may still start. */
  room: number;
  /** At most this many in flight per endpoint (slotKey). */
  perEndpoint: number;
  /** In flight now, by slotKey. */
  busy: ReadonlyMap<string, number>;
};

/**
 * Due deliveries of one endpoint, each the earliest still pending for its message there (a later event
 * waits while an earlier one is retried), earliest due first: a range of the event_deliveries_claim
 * index, left once `limit` rows are found. Later events of a message being retried are kept not due
 * until it is (recordAttempt), so the range holds few rows that are skipped.
 */
function dueOf(db: Db, endpointId: string, now: string, limit: number, skipUrls: string[]) {
  let query = db
    .selectFrom('event_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .leftJoin('event_endpoints as p', 'p.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.event_id as eventId',
      'e.type',
      'd.endpoint_id as endpointId',
      'd.url',
      'd.order_key as orderKey',
      'd.event_seq as eventSeq',
      'd.attempts',
      'd.retry_until as retryUntil',
      'e.payload',
      'e.created_at as eventCreatedAt',
      'p.secrets',
      'p.retiring_secrets as retiringSecrets',
    ])
    .where('d.endpoint_id', '=', endpointId)
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
    .where('p.paused_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('event_deliveries as o')
            .select('o.id')
            .whereRef('o.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('o.order_key', '=', 'd.order_key')
            .where('o.status', '=', 'pending')
            .whereRef('o.event_seq', '<', 'd.event_seq'),
        ),
      ),
    );
  if (skipUrls.length > 0) query = query.where('d.url', 'not in', skipUrls);
  return query.orderBy('d.next_attempt_at').orderBy('d.event_seq').limit(limit).execute();
}

/**
 * Claims what is due, endpoint by endpoint (a paused one is left out), at most `perEndpoint` in flight
 * for each: one endpoint that hangs holds that many slots, never all of them. Each is claimed under a
 * lease by a conditional UPDATE, so of two instances reading the same candidate only one gets it, and
 * an instance that dies mid-delivery gives its claims back when the lease runs out. `turn` rotates
 * which endpoint is served first when there is less room than work.
 */
export async function claimDue(
  db: Db,
  owner: string,
  now: string,
  leaseUntil: string,
  slots: Slots,
  turn = 0,
): Promise<Claimed[]> {
  if (slots.room <= 0) return [];
  const busy = new Map(slots.busy);
  const inUse = (key: string) => busy.get(key) ?? 0;
  const active = await db.selectFrom('event_endpoints').select('id').where('paused_at', 'is', null).execute();
  const ids = active.map((e) => e.id).sort();
  const order = [...ids.slice(turn % (ids.length || 1)), ...ids.slice(0, turn % (ids.length || 1))];
  order.push(MESSAGE_ENDPOINT);
  let room = slots.room;
  const claimed: Claimed[] = [];
  for (const endpointId of order) {
    if (room <= 0) break;
    let limit: number;
    const full: string[] = [];
    if (endpointId === MESSAGE_ENDPOINT) {
      // Many URLs under one id: leave out those at their cap; a few more rows for the ones near it.
      let partly = 0;
      for (const [key, n] of busy) {
        if (!key.startsWith(`${MESSAGE_ENDPOINT} `)) continue;
        if (n >= slots.perEndpoint) full.push(key.slice(MESSAGE_ENDPOINT.length + 1));
        else partly += n;
      }
      limit = room + partly;
    } else {
      limit = Math.min(room, slots.perEndpoint - inUse(endpointId));
    }
    if (limit <= 0) continue;
    const wanted = [];
    for (const candidate of await dueOf(db, endpointId, now, limit, full)) {
      const key = slotKey(candidate);
      if (wanted.length >= room || inUse(key) >= slots.perEndpoint) continue;
      busy.set(key, inUse(key) + 1);
      wanted.push(candidate);
    }
    if (wanted.length === 0) continue;
    // One conditional UPDATE for the lot: what another instance took meanwhile is not returned. A lease
    // need not survive a crash (its deliveries are then claimed again, which an instance's death does
    // anyway), so it waits for no sync of its own: on SQLite it shares the commit of the attempts that
    // end in the same turn, on PostgreSQL its commit does not wait for the log's flush.
    const ids = wanted.map((c) => c.id);
    const taken = await inTransaction(db, async (trx) => {
      if (trx.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`set local synchronous_commit = off`.execute(trx);
      }
      return trx
        .updateTable('event_deliveries')
        .set({ lease_owner: owner, lease_until: leaseUntil })
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .returning('id')
        .execute();
    });
    const ours = new Set(taken.map((t) => t.id));
    for (const candidate of wanted) {
      if (!ours.has(candidate.id)) {
        const key = slotKey(candidate);
        busy.set(key, inUse(key) - 1);
        continue;
      }
      room--;
      claimed.push({ ...candidate, eventSeq: Number(candidate.eventSeq), type: candidate.type as EventType });
    }
  }
  return claimed;
}
