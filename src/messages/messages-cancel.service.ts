import { AppError } from '../core/errors';
import type { Db } from '../db/database';
import type { Logger } from '../logger';
import type { SinchClient } from '../sinch/sinch.client';
import * as tracking from '../tracking';
import { findMessage } from './messages.repository';
import { getMessage, type MessageView } from './messages.service';

/**
 * Cancels a message's batch at Sinch, then has tracking record it (Cancelled, 407, for every recipient
 * not yet handed on, through the forward-only rule). A message already cancelled is not sent to Sinch
 * again. `view` is undefined when there is no such message; a SinchError when Sinch fails (nothing is
 * recorded then). `tally` holds the Cancelled statuses applied, for the delivery-outcome metrics.
 */
export async function cancelMessage(
  deps: { db: Db; sinch: SinchClient },
  idOrBatchId: string,
  log: Logger,
): Promise<{ view: MessageView | undefined; tally: tracking.ApplyTally }> {
  const { db, sinch } = deps;
  const message = await findMessage(db, idOrBatchId);
  if (!message) return { view: undefined, tally: tracking.emptyTally() };
  const batchId = message.batch_id;
  if (batchId === null) {
    throw new AppError(
      'NOT_CANCELLABLE',
      `Message ${message.id} has no Sinch batch (its send is ${message.send_status}): there is nothing to cancel.`,
      { sendStatus: message.send_status },
    );
  }

  let tally = tracking.emptyTally();
  if (message.cancelled_at === null) {
    const requestedAt = new Date().toISOString();
    await sinch.cancelBatch(batchId, { log, messageId: message.id });
    const sentAt = message.send_at ?? message.created_at;
    const recorded = await tracking.cancelRecipients(db, { id: message.id, batchId, sentAt }, requestedAt);
    tally = recorded.tally;
    log.info({ messageId: message.id, batchId, recipientsCancelled: recorded.cancelled }, 'batch cancelled');
  }
  return { view: await getMessage(db, message.id), tally };
}
