import { type Kysely, sql } from 'kysely';

// Partial indexes: each holds only the rows its one query looks for, so the common write leaves it
// alone. A callback applied on arrival (nearly all of them) now touches no index of the callback log
// beyond its primary key, and a recipient reaching its final status leaves the open-recipients index.

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Reports kept for a batch not stored yet, looked up by batch id or client reference.
  await db.schema.dropIndex('callbacks_batch_id').execute();
  await db.schema.dropIndex('callbacks_unmatched').execute();
  await db.schema
    .createIndex('callbacks_unmatched_batch_id')
    .on('callbacks')
    .column('batch_id')
    .where(sql.ref('outcome'), '=', 'unmatched')
    .execute();
  await db.schema
    .createIndex('callbacks_unmatched_reference')
    .on('callbacks')
    .column('client_reference')
    .where(sql.ref('outcome'), '=', 'unmatched')
    .execute();

  // Recipients without a final status (rank 4), for the reconciliation sweep.
  await db.schema.dropIndex('recipients_open').execute();
  await db.schema
    .createIndex('recipients_open')
    .on('recipients')
    .columns(['next_check_at', 'message_id'])
    .where(sql.ref('status_rank'), '<', 4)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('recipients_open').execute();
  await db.schema
    .createIndex('recipients_open')
    .on('recipients')
    .columns(['status_rank', 'next_check_at'])
    .execute();
  await db.schema.dropIndex('callbacks_unmatched_reference').execute();
  await db.schema.dropIndex('callbacks_unmatched_batch_id').execute();
  await db.schema
    .createIndex('callbacks_unmatched')
    .on('callbacks')
    .columns(['outcome', 'client_reference'])
    .execute();
  await db.schema.createIndex('callbacks_batch_id').on('callbacks').column('batch_id').execute();
}
