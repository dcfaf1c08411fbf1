import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Callbacks refused with 401, kept so that `npm run callbacks -- reapply` can verify them again once
  // the secret is fixed: the exact body (base64, as the signature covers bytes), the headers the check
  // reads (JSON), why it was refused, and its size, which bounds the table with the row count.
  await db.schema
    .createTable('callback_quarantine')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'varchar(64)', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .execute();
  // The purge by age, and the running total of rows and bytes, read this index alone.
  await db.schema
    .createIndex('callback_quarantine_age')
    .on('callback_quarantine')
    .columns(['received_at', 'bytes'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('callback_quarantine').execute();
}
