import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The message an idempotent send stored before calling Sinch: a retry after a crash resumes it.
  await db.schema.alterTable('idempotency_keys').addColumn('message_id', 'varchar(64)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('message_id').execute();
}
