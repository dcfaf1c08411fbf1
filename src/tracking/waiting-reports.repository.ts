import type { Handle } from '../db/database';

/**
 * Reports that came before their batch was stored wait in the callback log as `unmatched`; storing the
 * batch applies them and rewrites their outcome.
 */

/**
 * Callbacks kept because their batch was unknown, that may belong to this batch or client reference.
 * Two lookups joined by UNION, each on its partial index: with an OR of the two, SQLite would rather
 * scan the whole log in id order.
 */
export async function findUnmatchedCallbacks(db: Handle, batchId: string, clientReference: string) {
  const unmatched = () =>
    db.selectFrom('callbacks').select(['id', 'payload']).where('outcome', '=', 'unmatched');
  return unmatched()
    .where('batch_id', '=', batchId)
    .union(unmatched().where('client_reference', '=', clientReference))
    .orderBy('id')
    .execute();
}

export async function setCallbackOutcome(
  db: Handle,
  id: string,
  outcome: string,
  now: string,
): Promise<void> {
  await db.updateTable('callbacks').set({ outcome, processed_at: now }).where('id', '=', id).execute();
}
