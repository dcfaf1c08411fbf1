import { type Kysely, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // Per-minute request counters shared by every instance (security/rate-limit-store.ts). On SQLite they
  // live in a file of their own, attached to each connection as `limits` (db/database.ts), so that
  // counting a request never waits for the fsync that every commit of the main file pays.
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  // Unlogged: a commit that touches only this table writes no WAL and waits for no flush; after a crash
  // of the server the table comes back empty, which costs at most one minute of counting.
  await db.schema
    .createTable('rate_limit_hits')
    .modifyFront(sql`unlogged`)
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'bigint', (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db.schema.dropTable('rate_limit_hits').execute();
}
