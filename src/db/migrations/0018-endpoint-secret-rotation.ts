import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Secrets a rotation replaced, still signing until their time: JSON array of { secret, until },
  // newest first; null when none. Read when each event is signed, so an overlap ends without a job.
  await db.schema.alterTable('event_endpoints').addColumn('retiring_secrets', 'text').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('event_endpoints').dropColumn('retiring_secrets').execute();
}
