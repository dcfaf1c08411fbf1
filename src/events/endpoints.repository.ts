import { createHash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Db, Handle } from '../db/database';
import type { EventEndpointsTable } from '../db/schema';
import { rotateSecrets } from './endpoint-secrets';

/** The endpoints events go to: those registered by POST /event-endpoints and those of EVENT_WEBHOOK_URLS. */

export type EndpointRow = EventEndpointsTable;

/** An endpoint of EVENT_WEBHOOK_URLS has an id derived from its URL, the same on every instance. */
export const configEndpointId = (url: string) =>
  `cfg_${createHash('sha256').update(url).digest('hex').slice(0, 20)}`;

/**
 * The fan-out's lock (PostgreSQL; SQLite has one writer): a fan-out takes it if it is free ('try': one
 * instance fans out, the others go on delivering), and a change to the endpoints or a redeliver waits
 * for it ('wait'), since a fan-out that read them before the change would queue as they were (for an
 * endpoint deleted, rows pending for ever; for one resumed or an event redelivered, rows without the
 * fresh retry time). True once held.
 */
export async function fanOutLock(trx: Handle, mode: 'try' | 'wait'): Promise<boolean> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return true;
  if (mode === 'wait') {
    await sql`select pg_advisory_xact_lock(hashtext('sms-events-fan-out'))`.execute(trx);
    return true;
  }
  const { rows } = await sql<{ ok: boolean }>`
    select pg_try_advisory_xact_lock(hashtext('sms-events-fan-out')) as ok`.execute(trx);
  return rows[0]?.ok === true;
}

/** Makes the configured endpoints rows (their pause state is shared by instances); drops ones no longer set. */
export async function syncConfigEndpoints(db: Db, urls: readonly string[], now: string): Promise<void> {
  const ids = urls.map(configEndpointId);
  await db.transaction().execute(async (trx) => {
    await fanOutLock(trx, 'wait');
    for (const [i, url] of urls.entries()) {
      await trx
        .insertInto('event_endpoints')
        .values({
          id: ids[i] as string,
          url,
          secrets: null,
          event_types: null,
          source: 'config',
          description: 'EVENT_WEBHOOK_URLS',
          created_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    let stale = trx.selectFrom('event_endpoints').select('id').where('source', '=', 'config');
    if (ids.length > 0) stale = stale.where('id', 'not in', ids);
    const gone = (await stale.execute()).map((row) => row.id);
    if (gone.length === 0) return;
    // What was pending for a URL no longer configured is given up, as for a deleted endpoint.
    await trx
      .updateTable('event_deliveries')
      .set({
        status: 'failed',
        last_error: 'endpoint removed from EVENT_WEBHOOK_URLS',
        done_at: now,
        lease_owner: null,
      })
      .where('endpoint_id', 'in', gone)
      .where('status', '=', 'pending')
      .execute();
    await trx.deleteFrom('event_endpoints').where('id', 'in', gone).execute();
  });
}

/**
 * The endpoints that are behind (fan-out.repository.ts), each with the seq from which fanned-out events
 * are still to be queued for it and the types it takes (null: all).
 */
export async function endpointsBehind(db: Handle) {
  const rows = await db
    .selectFrom('event_endpoints')
    .select(['id', 'url', 'event_types', 'behind_from_seq'])
    .where('behind_from_seq', 'is not', null)
    .execute();
  return rows.map((e) => ({
    id: e.id,
    url: e.url,
    types: e.event_types === null ? null : new Set(JSON.parse(e.event_types) as string[]),
    from: Number(e.behind_from_seq),
  }));
}

export async function insertEndpoint(db: Handle, row: EndpointRow): Promise<void> {
  await db.insertInto('event_endpoints').values(row).execute();
}

export function listEndpoints(db: Handle): Promise<EndpointRow[]> {
  return db.selectFrom('event_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
}

export function findEndpoint(db: Handle, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('event_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Gives an endpoint the secret `fresh`, the replaced ones signing on for `overlapSeconds`
 * (endpoint-secrets.ts). The write is conditional on the secrets read, so of two rotations at once the
 * second reads again and keeps what the first replaced. The row as written; undefined when there is none.
 */
export async function rotateEndpointSecret(
  db: Handle,
  id: string,
  fresh: string,
  nowMs: number,
  overlapSeconds: number,
): Promise<EndpointRow | undefined> {
  for (;;) {
    const row = await findEndpoint(db, id);
    if (!row) return undefined;
    const next = rotateSecrets(row, fresh, nowMs, overlapSeconds);
    const result = await db
      .updateTable('event_endpoints')
      .set(next)
      .where('id', '=', id)
      .where((eb) =>
        eb.and([
          row.secrets === null ? eb('secrets', 'is', null) : eb('secrets', '=', row.secrets),
          row.retiring_secrets === null
            ? eb('retiring_secrets', 'is', null)
            : eb('retiring_secrets', '=', row.retiring_secrets),
        ]),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return { ...row, ...next };
  }
}

/** Removes an endpoint; what was still pending for it is given up. */
export async function deleteEndpoint(db: Db, id: string, now: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await fanOutLock(trx, 'wait');
    const result = await trx.deleteFrom('event_endpoints').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await trx
      .updateTable('event_deliveries')
      .set({ status: 'failed', last_error: 'endpoint deleted', done_at: now, lease_owner: null })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return true;
  });
}

/**
 * Ends a pause: the endpoint's pending events are due at once, with a fresh retry time, and so are those
 * it has still to queue when they are (fan-out.repository.ts reads `resumed_at`).
 */
export async function resumeEndpoint(db: Db, id: string, now: string, retryUntil: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await fanOutLock(trx, 'wait');
    const result = await trx
      .updateTable('event_endpoints')
      .set({ paused_at: null, failing_since: null, resumed_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await trx
      .updateTable('event_deliveries')
      .set({ next_attempt_at: now, retry_until: retryUntil })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return true;
  });
}

/** A success clears the endpoint's failing time. */
export async function markEndpointHealthy(db: Handle, id: string): Promise<void> {
  await db
    .updateTable('event_endpoints')
    .set({ failing_since: null })
    .where('id', '=', id)
    .where('failing_since', 'is not', null)
    .execute();
}

/**
 * A failure starts the endpoint's failing time; failing since before `pauseBefore` pauses it. True when
 * this call paused it.
 */
export async function markEndpointFailing(
  db: Handle,
  id: string,
  now: string,
  pauseBefore: string | null,
): Promise<boolean> {
  await db
    .updateTable('event_endpoints')
    .set({ failing_since: now })
    .where('id', '=', id)
    .where('failing_since', 'is', null)
    .execute();
  if (pauseBefore === null) return false;
  const paused = await db
    .updateTable('event_endpoints')
    .set({ paused_at: now })
    .where('id', '=', id)
    .where('paused_at', 'is', null)
    .where('failing_since', '<=', pauseBefore)
    .executeTakeFirst();
  return Number(paused.numUpdatedRows) > 0;
}
