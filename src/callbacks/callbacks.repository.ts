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
  }),
);

/** One row per callback, as received, with what became of it. */
export async function insertCallback(db: Handle, row: CallbacksTable): Promise<void> {
  await insertCallbackRow(db, row);
}
