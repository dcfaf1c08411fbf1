import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // An endpoint has at most a window of deliveries queued (src/events/fan-out.repository.ts). Once it is
  // full, the events from `behind_from_seq` on are queued for it later, from the events table, rather
  // than as a row each now: a receiver that is down or hangs costs the writers nothing.
  await db.schema.alterTable('event_endpoints').addColumn('behind_from_seq', 'bigint').execute();
  // The last resume: events still to be queued for the endpoint are retried for a full
  // EVENT_RETRY_FOR_SECONDS from then, as the ones already queued are.
  await db.schema.alterTable('event_endpoints').addColumn('resumed_at', 'varchar(32)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('event_endpoints').dropColumn('resumed_at').execute();
  await db.schema.alterTable('event_endpoints').dropColumn('behind_from_seq').execute();
}
