/**
 * Tracking: what became of every message and recipient. The one entry other features use; the status
 * machine (status.ts) and the recipient repository stay behind it.
 *
 * - applyReport: a delivery report, posted or fetched, moved forward only, with the opt-out code hook;
 * - recordBatch: Sinch has the batch (Sent), and the reports that came before it are applied;
 * - markSendFailed, cancelRecipients, markNoReport: our own statuses, through the same rule.
 */
export {
  CANCELLED_CODE,
  cancelRecipients,
  markNoReport,
  markSendFailed,
  recordBatch,
} from './batches.service';
export type { RecipientUpdate, UpdateResult } from './recipients.repository';
export {
  type ApplyContext,
  type ApplyTally,
  applyReport,
  type DeliveryReport,
  emptyTally,
  type ReportHook,
  type ReportOutcome,
  recipientUpdates,
} from './reports.service';
export { FINAL_RANK, isFinal, messageStatus, SEND_STATUS, statusRank } from './status';
