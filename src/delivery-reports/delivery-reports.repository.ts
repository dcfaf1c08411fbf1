import { PostgresAdapter, sql } from 'kysely';
import type { Handle } from '../db/database';
import { newId } from '../db/ids';
import type { CallbacksTable } from '../db/schema';
import { BATCH_LIMITS } from '../sinch/batches.schemas';
import { FINAL_RANK, SEND_STATUS, statusRank } from './delivery-status';

/**
 * Serialises, per batch id, the transaction that stores a batch with those that match reports to it.
 * Without it, on PostgreSQL a report could look for its batch just before the batch is committed
 * while the batch looks for waiting reports just before the report is committed: neither would see
 * the other. SQLite runs one transaction at a time already.
 */
export async function lockBatch(db: Handle, batchId: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(hashtext(${batchId}))`.execute(db);
  }
}

export async function insertCallback(db: Handle, row: CallbacksTable): Promise<void> {
  await db.insertInto('callbacks').values(row).execute();
}

export async function setCallbackOutcome(
  db: Handle,
  id: string,
  outcome: string,
  now: string,
): Promise<void> {
  await db.updateTable('callbacks').set({ outcome, processed_at: now }).where('id', '=', id).execute();
}

/**
 * The message a report belongs to: by batch id, else by client reference among messages whose batch id
 * we have not stored yet (the report beat our own write) or that carry the same batch id.
 */
export async function findMessageForReport(db: Handle, batchId: string, clientReference: string | undefined) {
  const byBatch = await db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at'])
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  if (byBatch || !clientReference) return byBatch;
  return db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at'])
    .where('client_reference', '=', clientReference)
    .where('batch_id', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function adoptBatchId(
  db: Handle,
  messageId: string,
  batchId: string,
  now: string,
): Promise<void> {
  // A report proves Sinch has the batch, whatever our own call to it concluded (a timeout, say).
  await db
    .updateTable('messages')
    .set((eb) => ({
      batch_id: batchId,
      send_status: SEND_STATUS.sent,
      expire_at: eb.fn.coalesce(
        'expire_at',
        eb.val(new Date(Date.parse(now) + BATCH_LIMITS.maxExpiryMs).toISOString()),
      ),
      updated_at: now,
    }))
    .where('id', '=', messageId)
    .where('batch_id', 'is', null)
    .execute();
}

export type RecipientReport = {
  messageId: string;
  msisdn: string;
  status: string;
  code: number | null;
  at: string | null;
  operatorStatusAt: string | null;
};

export type ApplyResult = 'applied' | 'ignored' | 'unknown_recipient';

/**
 * Moves a recipient forward, never back. The rule lives in the UPDATE's WHERE clause, so concurrent
 * copies of a report cannot both pass it: a higher rank wins; within a rank a different status wins
 * only if Sinch stamped it later. The history row is written only for a report that was applied.
 */
export async function applyRecipientReport(
  db: Handle,
  report: RecipientReport,
  now: string,
): Promise<ApplyResult> {
  const rank = statusRank(report.status);
  const result = await db
    .updateTable('recipients')
    .set({
      status: report.status,
      status_rank: rank,
      code: report.code,
      status_at: report.at,
      operator_status_at: report.operatorStatusAt,
      updated_at: now,
    })
    .where('message_id', '=', report.messageId)
    .where('msisdn', '=', report.msisdn)
    .where((eb) => {
      const advances = eb('status_rank', '<', rank);
      if (report.at === null) return advances;
      const later = eb('status_at', '<', report.at);
      return eb.or([
        advances,
        eb.and([
          eb('status_rank', '=', rank),
          eb('status', '<>', report.status),
          // Between two final statuses only Sinch's clock decides; an intermediate status with no
          // time (from a `full` report) gives way to one that has a time.
          rank < FINAL_RANK
            ? eb.or([eb('status_at', 'is', null), later])
            : eb.and([eb('status_at', 'is not', null), later]),
        ]),
      ]);
    })
    .executeTakeFirst();

  if (Number(result.numUpdatedRows) === 0) {
    const exists = await db
      .selectFrom('recipients')
      .select('msisdn')
      .where('message_id', '=', report.messageId)
      .where('msisdn', '=', report.msisdn)
      .executeTakeFirst();
    return exists ? 'ignored' : 'unknown_recipient';
  }
  await db
    .insertInto('recipient_events')
    .values({
      id: newId(),
      message_id: report.messageId,
      msisdn: report.msisdn,
      event_key: `${report.status}|${report.code}|${report.at ?? ''}`,
      status: report.status,
      code: report.code,
      at: report.at,
      operator_status_at: report.operatorStatusAt,
      applied_at: now,
    })
    .onConflict((oc) => oc.columns(['message_id', 'msisdn', 'event_key']).doNothing())
    .execute();
  return 'applied';
}

export async function setReportSummary(
  db: Handle,
  messageId: string,
  summary: string,
  now: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ report_summary: summary, updated_at: now })
    .where('id', '=', messageId)
    .execute();
}

/** Callbacks kept because their batch was unknown, that may belong to this batch or client reference. */
export async function findUnmatchedCallbacks(db: Handle, batchId: string, clientReference: string) {
  return db
    .selectFrom('callbacks')
    .select(['id', 'payload'])
    .where('outcome', '=', 'unmatched')
    .where((eb) => eb.or([eb('batch_id', '=', batchId), eb('client_reference', '=', clientReference)]))
    .orderBy('id')
    .execute();
}
