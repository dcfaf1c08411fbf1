import { lockBatch } from '../core/locks';
import type { Db } from '../db/database';
import { inTransaction } from '../db/group-commit';
import { emitEvent } from '../events';
import type { Logger } from '../logger';
import { sinchCallbackSchema } from '../sinch/callbacks.schemas';
import * as messagesRepository from './messages.repository';
import type { RecipientUpdate } from './recipients.repository';
import * as recipientsRepository from './recipients.repository';
import {
  type ApplyTally,
  applyReport,
  emptyTally,
  isDeliveryReport,
  type ReportHook,
} from './reports.service';
import { SEND_STATUS } from './status';
import { emitCompletedIfDone, emitSent, emitStatusChanged } from './status-events';
import * as waitingReports from './waiting-reports.repository';

/**
 * Records the batch Sinch holds for a message: Sent, with its batch id and expiry, and the reports
 * that arrived before it (kept as unmatched) applied, under the batch's lock. How many were applied.
 */
export async function recordBatch(
  db: Db,
  message: { id: string; clientReference: string },
  batch: { id: string; expireAt: string | null },
  { log, hook }: { log: Logger; hook?: ReportHook | undefined },
): Promise<number> {
  const now = new Date().toISOString();
  const early = await inTransaction(db, async (trx) => {
    await lockBatch(trx, batch.id);
    await messagesRepository.markMessageSent(trx, message.id, batch, now);
    await recipientsRepository.markRecipientsSent(trx, message.id, now);
    // Before the early reports are applied, so that the application hears "sent" first.
    await emitSent(
      trx,
      { messageId: message.id, batchId: batch.id, clientReference: message.clientReference },
      now,
    );
    let applied = 0;
    // The hook (opt-out codes: number locks) runs once for all of them, after the batch lock: one call
    // per report would take stripes out of order, and two such transactions could deadlock.
    const updates: RecipientUpdate[] = [];
    const collect: ReportHook = async (_trx, _batchId, reported) => void updates.push(...reported);
    for (const row of await waitingReports.findUnmatchedCallbacks(trx, batch.id, message.clientReference)) {
      const parsed = sinchCallbackSchema.safeParse(JSON.parse(row.payload));
      if (!parsed.success) continue;
      const report = parsed.data;
      // Only delivery reports ever wait for their batch.
      if (!isDeliveryReport(report)) continue;
      const { outcome } = await applyReport(trx, report, { now, log, hook: hook && collect });
      if (outcome === 'unmatched') continue;
      await waitingReports.setCallbackOutcome(trx, row.id, outcome, now);
      applied += 1;
    }
    if (updates.length > 0) await hook?.(trx, batch.id, updates, now, log);
    return applied;
  });
  if (early > 0) {
    log.info(
      { messageId: message.id, batchId: batch.id, applied: early },
      'applied reports that arrived before the batch',
    );
  }
  return early;
}

/**
 * Sinch refused (`SendRefused`) or failed (`SendFailed`): the row stays, with the error, and recipients
 * no report has reached yet say so. When the message was stored and how many recipients changed;
 * undefined when it was no longer pending.
 */
export async function markSendFailed(
  db: Db,
  id: string,
  status: typeof SEND_STATUS.failed | typeof SEND_STATUS.refused,
  error: { code: string; text: string },
  now: string,
): Promise<{ createdAt: string; recipients: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const message = await messagesRepository.markMessageFailed(trx, id, status, error, now);
    const recipients = await recipientsRepository.markRecipientsFailed(trx, id, status, now);
    if (message === undefined) return undefined;
    const data = {
      messageId: id,
      batchId: message.batch_id,
      clientReference: message.client_reference,
      status,
      error,
    };
    await emitEvent(trx, 'message.send_failed', data, now, `send_failed:${id}`);
    return { createdAt: message.created_at, recipients };
  });
}

/** "Cancelled by user before reaching the SMSC": the code Sinch reports for a cancelled recipient. */
export const CANCELLED_CODE = 407;

/**
 * Records a cancel Sinch accepted: `cancelled_at` on the message, and `Cancelled` (407) for every
 * recipient not yet handed on. That goes through the forward-only rule, stamped with the time we asked,
 * so a delivery Sinch reports with a later time still wins. The Cancelled statuses applied are tallied.
 */
export async function cancelRecipients(
  db: Db,
  message: { id: string; batchId: string; sentAt: string },
  requestedAt: string,
): Promise<{ cancelled: number; tally: ApplyTally }> {
  const tally = emptyTally();
  const cancelled = await db.transaction().execute(async (trx) => {
    // Reports for this batch take the same lock: none can slip between reading and marking.
    await lockBatch(trx, message.batchId);
    await messagesRepository.markCancelled(trx, message.id, requestedAt);
    const open = await recipientsRepository.findCancellableRecipients(trx, message.id);
    const now = new Date().toISOString();
    const events = await messagesRepository.findEventContext(trx, message.id);
    for (const { msisdn } of open) {
      const update = {
        msisdn,
        status: 'Cancelled',
        code: CANCELLED_CODE,
        at: requestedAt,
        operatorStatusAt: null,
      };
      const result = await recipientsRepository.applyRecipientUpdate(trx, message.id, update, now);
      if (result !== 'applied') continue;
      tally.finals.push({ status: 'Cancelled', code: CANCELLED_CODE, sentAt: message.sentAt });
      await emitStatusChanged(trx, events, update, now);
    }
    if (tally.finals.length > 0) await emitCompletedIfDone(trx, events, now);
    return open.length;
  });
  return { cancelled, tally };
}

/** The batch expired with no final report for the recipient: NoReport, unless something moved it on. */
export async function markNoReport(db: Db, messageId: string, msisdn: string, now: string): Promise<boolean> {
  const update = { msisdn, status: SEND_STATUS.noReport, code: null, at: now, operatorStatusAt: null };
  return db.transaction().execute(async (trx) => {
    const result = await recipientsRepository.applyRecipientUpdate(trx, messageId, update, now);
    if (result !== 'applied') return false;
    const events = await messagesRepository.findEventContext(trx, messageId);
    await emitStatusChanged(trx, events, update, now);
    return true;
  });
}
