import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // When Sinch stops trying to deliver; after it, a recipient with no final report is marked NoReport.
  await db.schema.alterTable('messages').addColumn('expire_at', 'varchar(32)').execute();
  // A lease so that only one instance reconciles a message at a time.
  await db.schema.alterTable('messages').addColumn('lease_owner', 'varchar(64)').execute();
  await db.schema.alterTable('messages').addColumn('lease_until', 'varchar(32)').execute();
  // When the reconciliation sweep may next ask Sinch about this recipient.
  await db.schema.alterTable('recipients').addColumn('next_check_at', 'varchar(32)').execute();
  await db.schema
    .createIndex('recipients_open')
    .on('recipients')
    .columns(['status_rank', 'next_check_at'])
    .execute();

  // One row per Idempotency-Key (scoped to the caller): the first answer, replayed to retries.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope_key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('locked_until', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires_at')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
  await db.schema.dropIndex('recipients_open').execute();
  await db.schema.alterTable('recipients').dropColumn('next_check_at').execute();
  for (const column of ['lease_until', 'lease_owner', 'expire_at']) {
    await db.schema.alterTable('messages').dropColumn(column).execute();
  }
}
