import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The dispatcher claims per endpoint, the earliest due first: one range of this index per endpoint,
  // read in order and left after a few rows, however many are pending for the others (or not yet due).
  await sql`drop index event_deliveries_due`.execute(db);
  await sql`create index event_deliveries_claim on event_deliveries (endpoint_id, next_attempt_at, event_seq) where status = 'pending'`.execute(
    db,
  );
  // The age of the oldest pending delivery (a metric every few seconds): the first entry of this one.
  await sql`create index event_deliveries_pending_age on event_deliveries (created_at) where status = 'pending'`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index event_deliveries_pending_age`.execute(db);
  await sql`drop index event_deliveries_claim`.execute(db);
  await sql`create index event_deliveries_due on event_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
}
