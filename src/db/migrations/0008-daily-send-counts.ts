import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then, untyped
export async function up(db: Kysely<any>): Promise<void> {
  // SMS counted per UTC day for the daily cap: one row read instead of counting the day's messages.
  await db.schema
    .createTable('daily_send_counts')
    .addColumn('day', 'varchar(10)', (c) => c.primaryKey())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .execute();
  // Today's count so far (and yesterday's, should the day turn during the upgrade), as the cap counted it.
  const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await sql`
    insert into daily_send_counts (day, sent)
    select substr(m.created_at, 1, 10), count(*)
    from recipients r join messages m on m.id = r.message_id
    where m.created_at >= ${since} and m.send_status <> 'SendRefused'
    group by substr(m.created_at, 1, 10)
  `.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('daily_send_counts').execute();
}
