import { sql } from 'kysely';
import type { Db, Handle } from '../db/database';
import type { CallbackQuarantineTable } from '../db/schema';

export type QuarantineLimits = { maxRows: number; maxBytes: number; maxAgeMs: number };

/**
 * Keeps a refused callback and trims the table back within its bounds in the same transaction: rows
 * past their age go, then the oldest until the row count and the bytes fit. The totals come from the
 * (received_at, bytes) index alone.
 */
export async function keepInQuarantine(
  db: Db,
  row: CallbackQuarantineTable,
  limits: QuarantineLimits,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('callback_quarantine').values(row).execute();
    await purgeExpired(trx, limits, Date.parse(row.received_at));
    const totals = await trx
      .selectFrom('callback_quarantine')
      .select([sql<number>`count(*)`.as('rows'), sql<number>`coalesce(sum(bytes), 0)`.as('bytes')])
      .executeTakeFirstOrThrow();
    let rows = Number(totals.rows);
    let bytes = Number(totals.bytes);
    while (rows > limits.maxRows || bytes > limits.maxBytes) {
      const oldest = await trx
        .selectFrom('callback_quarantine')
        .select(['id', 'bytes'])
        .orderBy('received_at')
        .orderBy('id')
        .limit(100)
        .execute();
      const drop: string[] = [];
      for (const { id, bytes: size } of oldest) {
        if (rows <= limits.maxRows && bytes <= limits.maxBytes) break;
        drop.push(id);
        rows -= 1;
        bytes -= Number(size);
      }
      if (drop.length === 0) break;
      await trx.deleteFrom('callback_quarantine').where('id', 'in', drop).execute();
    }
  });
}

/** Drops what is older than the configured age; how many. */
export async function purgeExpired(
  db: Handle,
  limits: QuarantineLimits,
  nowMs = Date.now(),
): Promise<number> {
  const cutoff = new Date(nowMs - limits.maxAgeMs).toISOString();
  const result = await db
    .deleteFrom('callback_quarantine')
    .where('received_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A page of quarantined callbacks, oldest first, after the id given. */
export function quarantinedAfter(db: Handle, afterId: string, limit: number) {
  return db
    .selectFrom('callback_quarantine')
    .selectAll()
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Takes a quarantined callback out; false when another run (or a purge) took it first. */
export async function takeFromQuarantine(db: Handle, id: string): Promise<boolean> {
  const result = await db.deleteFrom('callback_quarantine').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function setQuarantineReason(db: Handle, id: string, reason: string): Promise<void> {
  await db.updateTable('callback_quarantine').set({ reason }).where('id', '=', id).execute();
}
