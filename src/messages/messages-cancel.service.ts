import { AppError } from '../core/errors';
import { lockBatch } from '../core/locks';
import type { Db } from '../db/database';
import { applyRecipientReport } from '../delivery-reports/delivery-reports.repository';
import type { ApplyTally } from '../delivery-reports/delivery-reports.service';
import type { Logger } from '../logger';
import type { SinchClient } from '../sinch/sinch.client';
import { findCancellableRecipients, findMessage, markCancelled } from './messages.repository';
import { getMessage, type MessageView } from './messages.service';

/** "Cancelled by user before reaching the SMSC": the code Sinch reports for a cancelled recipient. */
export const CANCELLED_CODE = 407;

/**
 * Cancels a message's batch at Sinch, then records it: `cancelled_at` on the message, and `Cancelled`
 * (407) for every recipient no final report has reached. That goes through the forward-only rule,
 * stamped with the time we asked, so a delivery Sinch reports with a later time still wins.
 * A message already cancelled is not sent to Sinch again. Undefined when there is no such message;
 * a SinchError when Sinch fails (nothing is recorded then). `tally` gets the Cancelled statuses applied,
 * for the delivery-outcome metrics.
 */
export async function cancelMessage(
  deps: { db: Db; sinch: SinchClient },
  idOrBatchId: string,
  log: Logger,
  tally: ApplyTally = { finals: [], ignored: 0 },
): Promise<MessageView | undefined> {
  const { db, sinch } = deps;
  const message = await findMessage(db, idOrBatchId);
  if (!message) return undefined;
  const batchId = message.batch_id;
  if (batchId === null) {
    throw new AppError(
      'NOT_CANCELLABLE',
      `Message ${message.id} has no Sinch batch (its send is ${message.send_status}): there is nothing to cancel.`,
      { sendStatus: message.send_status },
    );
  }

  if (message.cancelled_at === null) {
    const requestedAt = new Date().toISOString();
    await sinch.cancelBatch(batchId, { log, messageId: message.id });
    const cancelled = await db.transaction().execute(async (trx) => {
      // Reports for this batch take the same lock: none can slip between reading and marking.
      await lockBatch(trx, batchId);
      await markCancelled(trx, message.id, requestedAt);
      const open = await findCancellableRecipients(trx, message.id);
      const now = new Date().toISOString();
      for (const { msisdn } of open) {
        const result = await applyRecipientReport(
          trx,
          {
            messageId: message.id,
            msisdn,
            status: 'Cancelled',
            code: CANCELLED_CODE,
            at: requestedAt,
            operatorStatusAt: null,
          },
          now,
        );
        if (result === 'applied') {
          tally.finals.push({
            status: 'Cancelled',
            code: CANCELLED_CODE,
            sentAt: message.send_at ?? message.created_at,
          });
        }
      }
      return open.length;
    });
    log.info({ messageId: message.id, batchId, recipientsCancelled: cancelled }, 'batch cancelled');
  }
  return getMessage(db, message.id);
}
