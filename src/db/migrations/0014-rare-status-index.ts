import { type Kysely, sql } from 'kysely';

/** The statuses most recipients pass through; kept in step with messages.repository's COMMON_STATUSES. */
const COMMON = sql<boolean>`status not in ('Sent', 'Delivered')`;

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The status filter of GET /messages starts from this index only for rare statuses (Failed,
  // Rejected…). Indexing every recipient cost each `Sent → Delivered` report two index entries moved
  // (about two more pages written per callback); now those two statuses are left out of it.
  await db.schema.dropIndex('recipients_status_message').execute();
  await db.schema
    .createIndex('recipients_rare_status')
    .on('recipients')
    .columns(['status', 'message_id'])
    .where(COMMON)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('recipients_rare_status').execute();
  await db.schema
    .createIndex('recipients_status_message')
    .on('recipients')
    .columns(['status', 'message_id'])
    .execute();
}
