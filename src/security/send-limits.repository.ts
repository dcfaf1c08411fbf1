import type { Handle } from '../db/database';
import { SEND_STATUS } from '../delivery-reports/delivery-status';

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

/** SMS (one per recipient) created since `sinceIso`, all destinations together. */
export async function countSince(db: Handle, sinceIso: string): Promise<number> {
  const row = await db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .where('messages.created_at', '>=', sinceIso)
    .where('messages.send_status', '!=', SEND_STATUS.refused)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
