import { MAX_BATCH_EXPIRY_MS } from '../core/batch-window';
import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import { FINAL_RANK, SEND_STATUS } from './status';

/**
 * The message a report belongs to: by batch id, else by client reference among messages whose batch id
 * we have not stored yet (the report beat our own write, or our call to Sinch ended in doubt).
 */
const messageByBatchId = preparedQuery((db, v: { batchId: string }) =>
  db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at', 'send_at', 'client_reference'])
    .where('batch_id', '=', v.batchId),
);

export async function findMessageForReport(db: Handle, batchId: string, clientReference: string | undefined) {
  const byBatch = (await messageByBatchId(db, { batchId })).rows[0];
  if (byBatch || !clientReference) return byBatch;
  const candidates = await db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at', 'send_at', 'client_reference'])
    .where('client_reference', '=', clientReference)
    .where('batch_id', 'is', null)
    // Only a send that may have reached Sinch can own a batch: not one Sinch refused.
    .where('send_status', 'in', [SEND_STATUS.pending, SEND_STATUS.failed])
    .limit(2)
    .execute();
  // A caller may reuse its own reference: two sends in doubt under one reference cannot tell which owns
  // the batch. The report then waits as unmatched until its batch id is stored, rather than go astray.
  return candidates.length === 1 ? candidates[0] : undefined;
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
        eb.val(new Date(Date.parse(now) + MAX_BATCH_EXPIRY_MS).toISOString()),
      ),
      updated_at: now,
    }))
    .where('id', '=', messageId)
    .where('batch_id', 'is', null)
    .execute();
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

/** Sinch accepted the batch: the message is Sent, with its batch id and expiry. */
const markSent = preparedQuery(
  (db, v: { id: string; batchId: string; expireAt: string | null; now: string; sent: string }) =>
    db
      .updateTable('messages')
      .set({ batch_id: v.batchId, send_status: v.sent, expire_at: v.expireAt, updated_at: v.now })
      .where('id', '=', v.id),
);

export async function markMessageSent(
  trx: Handle,
  id: string,
  batch: { id: string; expireAt: string | null },
  now: string,
): Promise<void> {
  await markSent(trx, { id, batchId: batch.id, expireAt: batch.expireAt, now, sent: SEND_STATUS.sent });
}

/** Sinch refused or failed: the row keeps the error. The message as stored; undefined if no longer pending. */
export async function markMessageFailed(
  trx: Handle,
  id: string,
  status: string,
  error: { code: string; text: string },
  now: string,
) {
  return trx
    .updateTable('messages')
    .set({ send_status: status, error_code: error.code, error_text: error.text, updated_at: now })
    .where('id', '=', id)
    .where('send_status', '=', SEND_STATUS.pending)
    .returning(['created_at', 'batch_id', 'client_reference'])
    .executeTakeFirst();
}

/** What a message's events carry, for the paths that do not have it at hand (cancel, the sweep). */
export async function findEventContext(db: Handle, messageId: string) {
  const row = await db
    .selectFrom('messages')
    .select(['batch_id', 'client_reference'])
    .where('id', '=', messageId)
    .executeTakeFirst();
  return { messageId, batchId: row?.batch_id ?? null, clientReference: row?.client_reference ?? null };
}

/** Stamps the first cancellation; a repeated one keeps the first time. */
export async function markCancelled(db: Handle, messageId: string, now: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ cancelled_at: now, updated_at: now })
    .where('id', '=', messageId)
    .where('cancelled_at', 'is', null)
    .execute();
}

/**
 * Marks the message completed when no recipient is still open and it was not marked before; true when
 * this call did. The rank is in the SQL, not bound: compared with a bound value, `status_rank` (the
 * column of the partial index recipients_open) makes SQLite plan the statement again at every run.
 */
const markCompletedOnce = preparedQuery((db, v: { messageId: string; now: string }) =>
  db
    .updateTable('messages')
    .set({ completed_at: v.now })
    .where('id', '=', v.messageId)
    .where('completed_at', 'is', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('recipients')
            .select('msisdn')
            .where('message_id', '=', v.messageId)
            .where('status_rank', '<', eb.lit(FINAL_RANK)),
        ),
      ),
    ),
);

export async function markCompleted(db: Handle, messageId: string, now: string): Promise<boolean> {
  const result = await markCompletedOnce(db, { messageId, now });
  return Number(result.numAffectedRows ?? 0) > 0;
}
