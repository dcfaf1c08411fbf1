import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Set once, when an operator cancels the batch through DELETE /messages/:id.
  await db.schema.alterTable('messages').addColumn('cancelled_at', 'varchar(32)').execute();

  // GET /messages pages newest first on (created_at, id); the composite index serves that order and every
  // range on created_at alone, so the single-column index it replaces would only cost writes.
  await db.schema
    .createIndex('messages_created_at_id')
    .on('messages')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema.dropIndex('messages_created_at').execute();
  // The status filter of GET /messages, when the planner prefers to start from the few matching recipients.
  await db.schema
    .createIndex('recipients_status_message')
    .on('recipients')
    .columns(['status', 'message_id'])
    .execute();

  // The numbers that asked not to be messaged: one row per number while it is opted out.
  await db.schema
    .createTable('opt_outs')
    .addColumn('msisdn', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'varchar(64)', (c) => c.notNull())
    .addColumn('reference', 'varchar(128)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('opt_outs_created_at')
    .on('opt_outs')
    .columns(['created_at', 'msisdn'])
    .execute();

  // Every opt-out and opt-in seen, append-only; the unique key makes a retried callback a no-op.
  await db.schema
    .createTable('opt_out_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('msisdn', 'varchar(32)', (c) => c.notNull())
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'varchar(64)', (c) => c.notNull())
    .addColumn('reference', 'varchar(128)')
    .addColumn('event_key', 'varchar(200)', (c) => c.notNull())
    .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addUniqueConstraint('opt_out_events_once', ['msisdn', 'event_key'])
    .execute();
  await db.schema
    .createIndex('opt_out_events_latest')
    .on('opt_out_events')
    .columns(['msisdn', 'occurred_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('opt_out_events').execute();
  await db.schema.dropTable('opt_outs').execute();
  await db.schema.dropIndex('recipients_status_message').execute();
  await db.schema.createIndex('messages_created_at').on('messages').column('created_at').execute();
  await db.schema.dropIndex('messages_created_at_id').execute();
  await db.schema.alterTable('messages').dropColumn('cancelled_at').execute();
}
