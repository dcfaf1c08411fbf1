import { lockBatch } from '../core/locks';
import { normalizeMsisdn } from '../core/msisdn';
import { normalizeTimestamp } from '../core/timestamps';
import type { Handle } from '../db/database';
import type { Logger } from '../logger';
import {
  type BatchDeliveryReport,
  canonicalStatus,
  isRecipientReport,
  type RecipientDeliveryReport,
  type SinchCallback,
} from '../sinch/callbacks.schemas';
import * as messagesRepository from './messages.repository';
import { applyRecipientUpdates, type RecipientUpdate } from './recipients.repository';
import { isFinal } from './status';
import { emitCompletedIfDone, emitSent, emitStatusChanged } from './status-events';

export type DeliveryReport = RecipientDeliveryReport | BatchDeliveryReport;

export function isDeliveryReport(callback: SinchCallback): callback is DeliveryReport {
  return !callback.type.startsWith('mo_');
}

/** What applying a report did; stored with its callback in the callback log. */
export type ReportOutcome = 'applied' | 'ignored' | 'unmatched' | 'summary';

/** What applying did to recipients, for metrics: final statuses reached, and updates that changed nothing. */
export type ApplyTally = {
  finals: Array<{ status: string; code: number | null; sentAt: string }>;
  ignored: number;
};

export const emptyTally = (): ApplyTally => ({ finals: [], ignored: 0 });

/**
 * Runs in a report's transaction with every recipient update it carried, applied or not: where the
 * opt-out codes (257) take effect, whatever the forward-only rule made of the status.
 */
export type ReportHook = (
  trx: Handle,
  batchId: string,
  updates: readonly RecipientUpdate[],
  now: string,
  log: Logger,
) => Promise<void>;

export type ApplyContext = { now: string; log: Logger; hook?: ReportHook | undefined };

/** Flattens a delivery report into recipient updates; `summary` reports name no recipient. */
export function recipientUpdates(report: DeliveryReport): RecipientUpdate[] {
  if (isRecipientReport(report)) {
    return [
      {
        msisdn: normalizeMsisdn(report.recipient),
        status: canonicalStatus(report.status),
        code: report.code,
        at: normalizeTimestamp(report.at),
        operatorStatusAt: normalizeTimestamp(report.operator_status_at),
      },
    ];
  }
  return report.statuses.flatMap((entry) =>
    (entry.recipients ?? []).map((recipient) => ({
      msisdn: normalizeMsisdn(recipient),
      status: canonicalStatus(entry.status),
      code: entry.code,
      at: null,
      operatorStatusAt: null,
    })),
  );
}

/**
 * Applies a delivery report, posted or fetched, in the caller's transaction: finds its message (by batch
 * id, else by client reference), moves each recipient forward only, and runs the hook. A report for a
 * batch not stored yet changes nothing: `unmatched`, to be applied when the batch is recorded.
 */
export async function applyReport(
  trx: Handle,
  report: DeliveryReport,
  { now: received, log, hook }: ApplyContext,
): Promise<{ outcome: ReportOutcome; tally: ApplyTally }> {
  const tally = emptyTally();
  // The transaction that records the batch takes the same lock: one of the two sees the other.
  await lockBatch(trx, report.batch_id);
  // The time of what this report changes is read after the lock, not before waiting for the pool and
  // the lock: otherwise a report applied after another could carry the earlier time (issue 13 item 8).
  const current = new Date().toISOString();
  const now = current > received ? current : received;
  const message = await messagesRepository.findMessageForReport(
    trx,
    report.batch_id,
    report.client_reference,
  );
  const context = {
    batchId: report.batch_id,
    clientReference: report.client_reference,
    messageId: message?.id,
  };
  if (!message) {
    const statuses = recipientUpdates(report).map(({ msisdn, status, code }) => ({
      recipient: msisdn,
      status,
      code,
    }));
    log.info(
      { ...context, statuses: statuses.length > 0 ? statuses : report.statuses },
      'report for a batch we do not know yet: kept until the batch is stored',
    );
    return { outcome: 'unmatched', tally };
  }
  if (message.batch_id === null) {
    await messagesRepository.adoptBatchId(trx, message.id, report.batch_id, now);
    // Sinch has the batch: the application hears so before any status of it.
    const sent = {
      messageId: message.id,
      batchId: report.batch_id,
      clientReference: message.client_reference,
    };
    await emitSent(trx, sent, now);
  }

  if (!isRecipientReport(report) && !report.statuses.some((s) => s.recipients)) {
    const summary = {
      totalMessageCount: report.total_message_count,
      statuses: report.statuses,
      receivedAt: now,
    };
    await messagesRepository.setReportSummary(trx, message.id, JSON.stringify(summary), now);
    log.info({ ...context, statuses: report.statuses }, 'batch delivery summary');
    return { outcome: 'summary', tally };
  }

  let applied = false;
  let finalApplied = false;
  const events = {
    messageId: message.id,
    batchId: report.batch_id,
    clientReference: message.client_reference,
  };
  const updates = recipientUpdates(report);
  const results = await applyRecipientUpdates(trx, message.id, updates, now);
  for (const [i, update] of updates.entries()) {
    const result = results[i];
    applied ||= result === 'applied';
    if (result === 'applied') await emitStatusChanged(trx, events, update, now);
    if (result === 'ignored') tally.ignored += 1;
    if (result === 'applied' && isFinal(update.status)) {
      finalApplied = true;
      // A scheduled batch leaves at send_at: the time to its final status counts from then.
      tally.finals.push({
        status: update.status,
        code: update.code,
        sentAt: message.send_at ?? message.created_at,
      });
    }
    const { msisdn: recipient, status, code } = update;
    const line = { ...context, recipient, status, code, result };
    if (result === 'unknown_recipient') log.warn(line, 'report names a recipient the message does not have');
    else log.info(line, 'delivery status');
  }
  if (finalApplied) await emitCompletedIfDone(trx, events, now);
  await hook?.(trx, report.batch_id, updates, now, log);
  return { outcome: applied ? 'applied' : 'ignored', tally };
}
