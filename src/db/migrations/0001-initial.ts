import type { Kysely } from 'kysely';

// Migrations take `Kysely<any>`: they describe the schema as it was then, not the current types.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('batch_id', 'varchar(64)', (c) => c.unique())
    .addColumn('client_reference', 'varchar(128)', (c) => c.notNull())
    .addColumn('sender', 'varchar(64)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('send_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('delivery_report', 'varchar(32)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(128)')
    .addColumn('error_text', 'text')
    .addColumn('report_summary', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('messages_client_reference')
    .on('messages')
    .column('client_reference')
    .execute();
  await db.schema.createIndex('messages_created_at').on('messages').column('created_at').execute();

  await db.schema
    .createTable('recipients')
    .addColumn('message_id', 'varchar(64)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('msisdn', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_rank', 'integer', (c) => c.notNull())
    .addColumn('code', 'integer')
    .addColumn('status_at', 'varchar(32)')
    .addColumn('operator_status_at', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('recipients_pk', ['message_id', 'msisdn'])
    .execute();
  await db.schema.createIndex('recipients_msisdn').on('recipients').column('msisdn').execute();

  await db.schema
    .createTable('recipient_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('message_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('msisdn', 'varchar(32)', (c) => c.notNull())
    .addColumn('event_key', 'varchar(160)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('code', 'integer')
    .addColumn('at', 'varchar(32)')
    .addColumn('operator_status_at', 'varchar(32)')
    .addColumn('applied_at', 'varchar(32)', (c) => c.notNull())
    .addForeignKeyConstraint('recipient_events_recipient', ['message_id', 'msisdn'], 'recipients', [
      'message_id',
      'msisdn',
    ])
    .addUniqueConstraint('recipient_events_once', ['message_id', 'msisdn', 'event_key'])
    .execute();

  await db.schema
    .createTable('callbacks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('received_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('type', 'varchar(64)')
    .addColumn('batch_id', 'varchar(64)')
    .addColumn('client_reference', 'varchar(2048)')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
    .addColumn('processed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('callbacks_batch_id').on('callbacks').column('batch_id').execute();
  await db.schema
    .createIndex('callbacks_unmatched')
    .on('callbacks')
    .columns(['outcome', 'client_reference'])
    .execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('sender', 'varchar(64)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(64)', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('received_at', 'varchar(32)')
    .addColumn('sent_at', 'varchar(32)')
    .addColumn('operator_id', 'varchar(32)')
    .addColumn('client_reference', 'varchar(2048)')
    .addColumn('stored_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inbound_messages_sender').on('inbound_messages').column('sender').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are untyped, see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['inbound_messages', 'callbacks', 'recipient_events', 'recipients', 'messages']) {
    await db.schema.dropTable(table).execute();
  }
}
