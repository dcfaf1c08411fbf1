import { sql } from 'kysely';
import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';

/**
 * Reports that came before their batch was stored wait in the callback log as `unmatched`; storing the
 * batch applies them and rewrites their outcome.
 */

/**
 * Callbacks kept because their batch was unknown, that may belong to this batch or client reference.
 * Two lookups joined by UNION, each on its partial index: with an OR of the two, SQLite would rather
 * scan the whole log in id order.
 */
const unmatchedFor = preparedQuery((db, v: { batchId: string; clientReference: string }) => {
  // Written into the statement, not bound: SQLite would otherwise prepare it again at every run, to
  // decide whether the partial indexes (`where outcome = 'unmatched'`) apply to the bound value.
  const unmatched = () =>
    db.selectFrom('callbacks').select(['id', 'payload']).where('outcome', '=', sql.lit('unmatched'));
  return unmatched()
    .where('batch_id', '=', v.batchId)
    .union(unmatched().where('client_reference', '=', v.clientReference))
    .orderBy('id');
});

export async function findUnmatchedCallbacks(db: Handle, batchId: string, clientReference: string) {
  return (await unmatchedFor(db, { batchId, clientReference })).rows;
}

export async function setCallbackOutcome(
  db: Handle,
  id: string,
  outcome: string,
  now: string,
): Promise<void> {
  await db.updateTable('callbacks').set({ outcome, processed_at: now }).where('id', '=', id).execute();
}
