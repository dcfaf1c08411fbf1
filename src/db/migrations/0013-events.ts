import { type Kysely, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // The outbox: one row per event, written in the transaction of the change that caused it. `seq` is
  // the order events happened in; `fanned_out` says whether its deliveries have been queued yet.
  await db.schema
    .createTable('events')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('message_id', 'varchar(64)')
    // Makes an event that may be emitted twice (a replayed inbound, a second completion) a no-op.
    .addColumn('dedupe_key', 'varchar(200)', (c) => c.unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('fanned_out', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`create index events_to_fan_out on events (seq) where fanned_out = 0`.execute(db);
  await db.schema.createIndex('events_message').on('events').columns(['message_id', 'seq']).execute();

  await db.schema
    .createTable('event_endpoints')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON array of whsec_ secrets, newest first; null for endpoints from EVENT_WEBHOOK_URLS (they use
    // EVENT_WEBHOOK_SECRET).
    .addColumn('secrets', 'text')
    // JSON array of event types; null for every type.
    .addColumn('event_types', 'text')
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'varchar(200)')
    .addColumn('failing_since', 'varchar(32)')
    .addColumn('paused_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  // One row per (event, endpoint): what the dispatcher works through.
  await db.schema
    .createTable('event_deliveries')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    // An event_endpoints id, or `message` for the message's own statusCallbackUrl.
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull())
    // Events with the same key reach the endpoint in order: the message id, '' for other events.
    .addColumn('order_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('retry_until', 'varchar(32)', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'varchar(32)')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('done_at', 'varchar(32)')
    .addUniqueConstraint('event_deliveries_once', ['event_id', 'endpoint_id'])
    .execute();
  await sql`create index event_deliveries_due on event_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await sql`create index event_deliveries_order on event_deliveries (endpoint_id, order_key, event_seq) where status = 'pending'`.execute(
    db,
  );

  await db.schema
    .createTable('event_attempts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('delivery_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempted_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_attempts_event').on('event_attempts').columns(['event_id']).execute();

  // Where a message's own events go, as given on POST /send-sms.
  await db.schema.alterTable('messages').addColumn('status_callback_url', 'text').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('status_callback_url').execute();
  for (const table of ['event_attempts', 'event_deliveries', 'event_endpoints', 'events']) {
    await db.schema.dropTable(table).execute();
  }
}
