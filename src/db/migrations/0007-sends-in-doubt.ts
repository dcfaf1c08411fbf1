import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Messages with no batch id: the few sends the sweep may have to look up at Sinch.
  await db.schema
    .createIndex('messages_without_batch')
    .on('messages')
    .column('created_at')
    .where(sql.ref('batch_id'), 'is', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_without_batch').execute();
}
