import type { Handle } from '../db/database';
import { SEND_STATUS } from '../tracking';

// A send Sinch refused outright cost nothing and reached no one, so it does not count.

/** Per number (digits only): messages to it created since `sinceIso`, and the oldest of them. */
export async function countToNumbersSince(
  db: Handle,
  msisdns: string[],
  sinceIso: string,
): Promise<Map<string, { count: number; oldest: string | null }>> {
  const rows = await db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .where('recipients.msisdn', 'in', msisdns)
    .where('messages.created_at', '>=', sinceIso)
    .where('messages.send_status', '!=', SEND_STATUS.refused)
    .groupBy('recipients.msisdn')
    .select((eb) => [
      'recipients.msisdn',
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.min('messages.created_at').as('oldest'),
    ])
    .execute();
  // PostgreSQL returns count(*) as a string (bigint).
  return new Map(
    rows.map((r) => [r.msisdn, { count: Number(r.count), oldest: (r.oldest as string | null) ?? null }]),
  );
}

/** The UTC day of an ISO timestamp, as daily_send_counts keys it. */
export const utcDay = (iso: string) => iso.slice(0, 10);

/** SMS (one per recipient) counted for a UTC day. */
export async function dailyCount(db: Handle, day: string): Promise<number> {
  const row = await db
    .selectFrom('daily_send_counts')
    .select('sent')
    .where('day', '=', day)
    .executeTakeFirst();
  return Number(row?.sent ?? 0);
}

/**
 * Adds `n` (negative to take back) to a day's count and returns the new total. On PostgreSQL the row
 * stays locked until the transaction ends: concurrent sends add one after another, never past each other.
 */
export async function addToDailyCount(db: Handle, day: string, n: number): Promise<number> {
  const row = await db
    .insertInto('daily_send_counts')
    .values({ day, sent: n })
    .onConflict((oc) =>
      oc
        .column('day')
        .doUpdateSet((eb) => ({ sent: eb('daily_send_counts.sent', '+', eb.ref('excluded.sent')) })),
    )
    .returning('sent')
    .executeTakeFirstOrThrow();
  return Number(row.sent);
}
