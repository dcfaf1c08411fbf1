import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/database';

export type StatusCount = { status: string; count: number };
export type DeliveryTimes = { count: number; p50Ms: number | null; p95Ms: number | null };

/** Recipients of the messages stored since `since`, counted by their status. */
export async function countRecipientsByStatus(db: Db, since: string): Promise<StatusCount[]> {
  const rows = await db
    .selectFrom('recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .where('m.created_at', '>=', since)
    .select(['r.status', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('r.status')
    .orderBy('r.status')
    .execute();
  return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
}

/**
 * How long the recipients of messages stored since `since` took from our storing the message to the
 * time Sinch gave for Delivered: the count and the nearest-rank p50 and p95, in milliseconds. Both
 * databases have window functions; only the arithmetic on the ISO timestamps differs.
 */
export async function deliveryTimes(db: Db, since: string): Promise<DeliveryTimes> {
  const elapsedMs =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql<number>`extract(epoch from (r.status_at::timestamptz - m.created_at::timestamptz)) * 1000`
      : sql<number>`(julianday(r.status_at) - julianday(m.created_at)) * 86400000.0`;
  // Sinch's clock and ours differ a little: a delivery stamped before we stored the message counts as 0.
  const result = await sql<{
    n: number | string | null;
    p50: number | string | null;
    p95: number | string | null;
  }>`
    with delivered as (
      select case when ${elapsedMs} < 0 then 0 else ${elapsedMs} end as ms
      from recipients r join messages m on m.id = r.message_id
      where m.created_at >= ${since} and r.status = 'Delivered' and r.status_at is not null
    ),
    ranked as (
      select ms, row_number() over (order by ms) as rn, count(*) over () as n from delivered
    )
    select max(n) as n,
      min(case when rn >= 0.5 * n then ms end) as p50,
      min(case when rn >= 0.95 * n then ms end) as p95
    from ranked`.execute(db);
  const row = result.rows[0];
  const ms = (value: number | string | null | undefined) =>
    value === null || value === undefined ? null : Math.round(Number(value));
  return { count: Number(row?.n ?? 0), p50Ms: ms(row?.p50), p95Ms: ms(row?.p95) };
}
