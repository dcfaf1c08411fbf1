import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { CallbacksTable } from '../db/schema';

const insertCallbackRow = preparedQuery((db, row: CallbacksTable) =>
  db.insertInto('callbacks').values({
    id: row.id,
    received_at: row.received_at,
    type: row.type,
    batch_id: row.batch_id,
    client_reference: row.client_reference,
    payload: row.payload,
    outcome: row.outcome,
    processed_at: row.processed_at,
    problem: row.problem ?? null,
    payload_bytes: row.payload_bytes ?? null,
  }),
);

/** One row per callback, as received, with what became of it. */
export async function insertCallback(db: Handle, row: CallbacksTable): Promise<void> {
  await insertCallbackRow(db, row);
}

/** A page of stored callbacks with one of these outcomes, oldest first, after the id given. */
export function storedCallbacksToRetry(
  db: Handle,
  outcomes: readonly string[],
  afterId: string,
  limit: number,
) {
  return db
    .selectFrom('callbacks')
    .select(['id', 'outcome', 'payload', 'problem'])
    .where('outcome', 'in', outcomes)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Takes a stored callback for this transaction if it still has the outcome it was read with (on
 * PostgreSQL the update holds its row until commit, and a second taker then finds it changed).
 */
export async function claimStoredCallback(
  db: Handle,
  id: string,
  outcome: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('callbacks')
    .set({ processed_at: now })
    .where('id', '=', id)
    .where('outcome', '=', outcome)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setStoredOutcome(db: Handle, id: string, outcome: string, now: string): Promise<void> {
  await db.updateTable('callbacks').set({ outcome, processed_at: now }).where('id', '=', id).execute();
}

/** What the database refused of a stored callback, brought up to date, if it still has the outcome read. */
export async function setStoredProblem(
  db: Handle,
  id: string,
  outcome: string,
  problem: string,
): Promise<void> {
  await db
    .updateTable('callbacks')
    .set({ problem })
    .where('id', '=', id)
    .where('outcome', '=', outcome)
    .execute();
}
