import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import { SEND_STATUS } from '../tracking';

// A send Sinch refused outright cost nothing and reached no one, so it does not count.
// Every send runs these: each is built and compiled once (db/prepared.ts), the one-number count too.

const toOneNumberSince = preparedQuery((db, v: { msisdn: string; since: string; refused: string }) =>
  db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .where('recipients.msisdn', '=', v.msisdn)
    .where('messages.created_at', '>=', v.since)
    .where('messages.send_status', '!=', v.refused)
    .groupBy('recipients.msisdn')
    .select((eb) => [
      'recipients.msisdn',
      eb.fn.sum<number | string>(eb.fn.coalesce('messages.parts', eb.lit(1))).as('count'),
      eb.fn.min('messages.created_at').as('oldest'),
    ]),
);

const dayCount = preparedQuery((db, v: { day: string }) =>
  db.selectFrom('daily_send_counts').select('sent').where('day', '=', v.day),
);

const addToDay = preparedQuery((db, v: { day: string; n: number }) =>
  db
    .insertInto('daily_send_counts')
    .values({ day: v.day, sent: v.n })
    .onConflict((oc) =>
      oc
        .column('day')
        .doUpdateSet((eb) => ({ sent: eb('daily_send_counts.sent', '+', eb.ref('excluded.sent')) })),
    )
    .returning('sent'),
);

const keyDayCount = preparedQuery((db, v: { day: string; keyId: string }) =>
  db
    .selectFrom('daily_key_send_counts')
    .select('sent')
    .where('day', '=', v.day)
    .where('key_id', '=', v.keyId),
);

const addToKeyDay = preparedQuery((db, v: { day: string; keyId: string; n: number }) =>
  db
    .insertInto('daily_key_send_counts')
    .values({ day: v.day, key_id: v.keyId, sent: v.n })
    .onConflict((oc) =>
      oc
        .columns(['day', 'key_id'])
        .doUpdateSet((eb) => ({ sent: eb('daily_key_send_counts.sent', '+', eb.ref('excluded.sent')) })),
    )
    .returning('sent'),
);

/**
 * Per number (digits only): SMS parts sent to it in messages created since `sinceIso` (as Sinch bills:
 * a 3-part message is 3), and the oldest of those messages.
 */
export async function countToNumbersSince(
  db: Handle,
  msisdns: string[],
  sinceIso: string,
): Promise<Map<string, { count: number; oldest: string | null }>> {
  const [only] = msisdns;
  const rows =
    msisdns.length === 1 && only !== undefined
      ? (await toOneNumberSince(db, { msisdn: only, since: sinceIso, refused: SEND_STATUS.refused })).rows
      : await manyNumbersSince(db, msisdns, sinceIso);
  // PostgreSQL returns sum() of integers as a string (bigint).
  return new Map(
    rows.map((r) => [r.msisdn, { count: Number(r.count), oldest: (r.oldest as string | null) ?? null }]),
  );
}

/** countToNumbersSince for several numbers: an IN list, whose text depends on its length. */
function manyNumbersSince(db: Handle, msisdns: string[], sinceIso: string) {
  return db
    .selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .where('recipients.msisdn', 'in', msisdns)
    .where('messages.created_at', '>=', sinceIso)
    .where('messages.send_status', '!=', SEND_STATUS.refused)
    .groupBy('recipients.msisdn')
    .select((eb) => [
      'recipients.msisdn',
      eb.fn.sum<number | string>(eb.fn.coalesce('messages.parts', eb.lit(1))).as('count'),
      eb.fn.min('messages.created_at').as('oldest'),
    ])
    .execute();
}

/** The UTC day of an ISO timestamp, as daily_send_counts keys it. */
export const utcDay = (iso: string) => iso.slice(0, 10);

/** SMS parts (recipients × parts per message) counted for a UTC day. */
export async function dailyCount(db: Handle, day: string): Promise<number> {
  const [row] = (await dayCount(db, { day })).rows;
  return Number(row?.sent ?? 0);
}

/**
 * Adds `n` (negative to take back) to a day's count and returns the new total. On PostgreSQL the row
 * stays locked until the transaction ends: concurrent sends add one after another, never past each other.
 */
export async function addToDailyCount(db: Handle, day: string, n: number): Promise<number> {
  const [row] = (await addToDay(db, { day, n })).rows;
  if (!row) throw new Error('the day count was not returned');
  return Number(row.sent);
}

/** SMS parts one API key (its fingerprint) sent on a UTC day. */
export async function dailyKeyCount(db: Handle, day: string, keyId: string): Promise<number> {
  const [row] = (await keyDayCount(db, { day, keyId })).rows;
  return Number(row?.sent ?? 0);
}

/** As addToDailyCount, for one key's count; its row stays locked on PostgreSQL until the commit. */
export async function addToDailyKeyCount(db: Handle, day: string, keyId: string, n: number): Promise<number> {
  const [row] = (await addToKeyDay(db, { day, keyId, n })).rows;
  if (!row) throw new Error("the key's day count was not returned");
  return Number(row.sent);
}
