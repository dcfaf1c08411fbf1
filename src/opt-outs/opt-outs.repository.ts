import { newId } from '../core/ids';
import { normalizeMsisdn } from '../core/msisdn';
import type { Db, Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { OptOutEventsTable, OptOutsTable } from '../db/schema';

export type OptOutSource = 'keyword' | 'delivery_code' | 'operator';

export type OptOutEntry = { source: OptOutSource; reason: string; createdAt: string };

// Well under SQLite's and PostgreSQL's bound-parameter limits, for a 1,000-recipient batch.
const LOOKUP_CHUNK = 500;

/**
 * Which of `msisdns` are opted out, keyed by their digits (`+` and `00` are tolerated). The send path
 * calls this before a batch goes to Sinch; numbers not in the map may be messaged.
 */
const optOutOf = preparedQuery((db, v: { msisdn: string }) =>
  db
    .selectFrom('opt_outs')
    .select(['msisdn', 'source', 'reason', 'created_at'])
    .where('msisdn', '=', v.msisdn),
);

export async function findOptedOut(db: Handle, msisdns: string[]): Promise<Map<string, OptOutEntry>> {
  const digits = [...new Set(msisdns.map(normalizeMsisdn))];
  const found = new Map<string, OptOutEntry>();
  for (let i = 0; i < digits.length; i += LOOKUP_CHUNK) {
    const chunk = digits.slice(i, i + LOOKUP_CHUNK);
    // One number (most sends): a statement compiled once; an IN list's text depends on its length.
    const [only] = chunk;
    const rows =
      chunk.length === 1 && only !== undefined
        ? (await optOutOf(db, { msisdn: only })).rows
        : await db
            .selectFrom('opt_outs')
            .select(['msisdn', 'source', 'reason', 'created_at'])
            .where('msisdn', 'in', chunk)
            .execute();
    for (const row of rows) {
      found.set(row.msisdn, {
        source: row.source as OptOutSource,
        reason: row.reason,
        createdAt: row.created_at,
      });
    }
  }
  return found;
}

export type NewOptOutEvent = Omit<OptOutEventsTable, 'id' | 'outcome'>;

/** Records an event once: its id, or undefined when the same event (number and key) was recorded before. */
export async function insertEvent(db: Handle, event: NewOptOutEvent): Promise<string | undefined> {
  const id = newId();
  const result = await db
    .insertInto('opt_out_events')
    .values({ ...event, id, outcome: 'applied' })
    .onConflict((oc) => oc.columns(['msisdn', 'event_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? id : undefined;
}

/** The event that decides the number's state: the latest by Sinch's time, then by arrival. */
export async function latestEvent(db: Handle, msisdn: string) {
  return db
    .selectFrom('opt_out_events')
    .select(['id', 'occurred_at'])
    .where('msisdn', '=', msisdn)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export async function markEventStale(db: Handle, id: string): Promise<void> {
  await db.updateTable('opt_out_events').set({ outcome: 'stale' }).where('id', '=', id).execute();
}

/** Puts the number on the list; a number already on it keeps its created_at and takes the new reason. */
export async function upsertOptOut(db: Handle, row: OptOutsTable): Promise<void> {
  await db
    .insertInto('opt_outs')
    .values(row)
    .onConflict((oc) =>
      oc.column('msisdn').doUpdateSet({
        source: row.source,
        reason: row.reason,
        reference: row.reference,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** Takes the number off the list; true when it was on it. */
export async function deleteOptOut(db: Handle, msisdn: string): Promise<boolean> {
  const result = await db.deleteFrom('opt_outs').where('msisdn', '=', msisdn).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A page of the list, newest first, after the (created_at, msisdn) position `after`. */
export async function listOptOuts(
  db: Db,
  limit: number,
  after: { createdAt: string; key: string } | undefined,
): Promise<OptOutsTable[]> {
  let query = db.selectFrom('opt_outs').selectAll();
  if (after) {
    // The first condition is an index range; the second settles ties on created_at.
    query = query
      .where('created_at', '<=', after.createdAt)
      .where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb('msisdn', '<', after.key)]));
  }
  return query.orderBy('created_at', 'desc').orderBy('msisdn', 'desc').limit(limit).execute();
}

/** Rows per statement of the set-based writes: 8 values a row stays far under either database's limit. */
const WRITE_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += WRITE_CHUNK) out.push(items.slice(i, i + WRITE_CHUNK));
  return out;
}

/**
 * Records many events at once (a report's opt-out codes): one INSERT per 500, each event once. Returns
 * those not seen before, each with the id it got; the rest were duplicates.
 */
export async function insertEvents(
  db: Handle,
  events: readonly (NewOptOutEvent & { id: string })[],
): Promise<Array<{ id: string; msisdn: string }>> {
  const inserted: Array<{ id: string; msisdn: string }> = [];
  for (const chunk of chunks(events)) {
    const rows = await db
      .insertInto('opt_out_events')
      .values(chunk.map((event) => ({ ...event, outcome: 'applied' })))
      .onConflict((oc) => oc.columns(['msisdn', 'event_key']).doNothing())
      .returning(['id', 'msisdn'])
      .execute();
    inserted.push(...rows);
  }
  return inserted;
}

/**
 * Of these events, those a later event of the same number outranks (by Sinch's time, then by arrival),
 * marked stale and returned: they change nothing. One query and one update per 500.
 */
export async function markOutrankedStale(db: Handle, ids: readonly string[]): Promise<Set<string>> {
  const stale = new Set<string>();
  for (const chunk of chunks(ids)) {
    const rows = await db
      .selectFrom('opt_out_events as n')
      .select('n.id')
      .where('n.id', 'in', chunk)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('opt_out_events as o')
            .select('o.id')
            .whereRef('o.msisdn', '=', 'n.msisdn')
            .where((eb) =>
              eb.or([
                eb('o.occurred_at', '>', eb.ref('n.occurred_at')),
                eb.and([eb('o.occurred_at', '=', eb.ref('n.occurred_at')), eb('o.id', '>', eb.ref('n.id'))]),
              ]),
            ),
        ),
      )
      .execute();
    if (rows.length === 0) continue;
    const found = rows.map((row) => row.id);
    await db.updateTable('opt_out_events').set({ outcome: 'stale' }).where('id', 'in', found).execute();
    for (const id of found) stale.add(id);
  }
  return stale;
}

/** upsertOptOut for many numbers (each once), one statement per 500. */
export async function upsertOptOuts(db: Handle, rows: readonly OptOutsTable[]): Promise<void> {
  for (const chunk of chunks(rows)) {
    await db
      .insertInto('opt_outs')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('msisdn').doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          reason: eb.ref('excluded.reason'),
          reference: eb.ref('excluded.reference'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}
