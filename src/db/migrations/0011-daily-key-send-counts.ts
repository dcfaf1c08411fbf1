import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // SMS parts per UTC day and API key (its fingerprint), for the per-key daily cap. Counting starts at
  // the upgrade: sends stored before it were not attributed to a key.
  await db.schema
    .createTable('daily_key_send_counts')
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_key_send_counts_pk', ['day', 'key_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('daily_key_send_counts').execute();
}
