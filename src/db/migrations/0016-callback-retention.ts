import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // The stored payload's size, so the purge can add up what the log keeps from an index alone.
  await db.schema.alterTable('callbacks').addColumn('payload_bytes', 'integer').execute();
  // Callbacks kept without being applied, oldest first (ids are time-ordered), with their sizes: the
  // purge deletes the oldest of them and sums their sizes from this index, never from the table.
  await db.schema
    .createIndex('callbacks_unapplied_size')
    .on('callbacks')
    .columns(['id', 'payload_bytes'])
    .where(sql.ref('outcome'), 'in', sql`('unknown_type', 'unmatched', 'invalid')`)
    .execute();
  await sql`update callbacks set payload_bytes = length(payload) where outcome in ('unknown_type', 'unmatched', 'invalid')`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('callbacks_unapplied_size').execute();
  await db.schema.alterTable('callbacks').dropColumn('payload_bytes').execute();
}
