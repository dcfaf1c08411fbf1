import type { Db } from '../db/database';
import { SEND_STATUS } from '../delivery-reports/delivery-status';

// A send Sinch refused outright cost nothing and reached no one, so it does not count.

/** Messages to one number (digits only) created since `sinceIso`, and the oldest of them. */
export async function countToNumberSince(
  db: Db,
  msisdn: string,
  sinceIso: string,
): Promise<{ count: number; oldest: string | null }> {
  const row = await db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .where('recipients.msisdn', '=', msisdn)
    .where('messages.created_at', '>=', sinceIso)
    .where('messages.send_status', '!=', SEND_STATUS.refused)
    .select((eb) => [
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.min('messages.created_at').as('oldest'),
    ])
    .executeTakeFirst();
  // PostgreSQL returns count(*) as a string (bigint).
  return { count: Number(row?.count ?? 0), oldest: (row?.oldest as string | null | undefined) ?? null };
}

/** Messages created since `sinceIso`, all destinations together. */
export async function countSince(db: Db, sinceIso: string): Promise<number> {
  const row = await db
    .selectFrom('messages')
    .where('created_at', '>=', sinceIso)
    .where('send_status', '!=', SEND_STATUS.refused)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
