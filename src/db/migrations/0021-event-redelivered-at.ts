import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The last POST /events/:id/redeliver of the event: an endpoint that is behind and has still to queue
  // it retries it for EVENT_RETRY_FOR_SECONDS from then (src/events/fan-out.repository.ts).
  await db.schema.alterTable('events').addColumn('redelivered_at', 'varchar(32)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('redelivered_at').execute();
}
