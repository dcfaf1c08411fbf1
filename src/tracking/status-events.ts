import type { Handle } from '../db/database';
import { emitEvent } from '../events';
import * as messagesRepository from './messages.repository';
import type { RecipientUpdate } from './recipients.repository';
import { isFinal } from './status';

/**
 * The events a status change causes, written to the outbox in the change's own transaction: one
 * prepared insert each. Every path that changes a status (a report, a cancel, the sweep, a send)
 * calls these from this folder, so no status change can miss its event.
 */
export type EventContext = { messageId: string; batchId: string | null; clientReference: string | null };

/**
 * `message.sent`, once per message (its dedupe key): when the batch is recorded, or earlier when a
 * report of the batch finds the message first (by client reference), so that it still comes first.
 */
export function emitSent(
  trx: Handle,
  context: EventContext & { batchId: string },
  now: string,
): Promise<void> {
  return emitEvent(trx, 'message.sent', { ...context, sentAt: now }, now, `sent:${context.messageId}`);
}

/** `message.status_changed` for one recipient update that was applied. */
export function emitStatusChanged(
  trx: Handle,
  context: EventContext,
  update: RecipientUpdate,
  now: string,
): Promise<void> {
  return emitEvent(
    trx,
    'message.status_changed',
    {
      ...context,
      recipient: `+${update.msisdn}`,
      status: update.status,
      code: update.code,
      at: update.at,
      operatorStatusAt: update.operatorStatusAt,
      final: isFinal(update.status),
    },
    now,
  );
}

/**
 * `message.completed` when the message has just become complete: no recipient open, and not complete
 * before (messages.completed_at). Call it after a final status was applied; one that replaces another
 * final status (Sinch stamped it later) writes no second completion, however long after.
 */
export async function emitCompletedIfDone(trx: Handle, context: EventContext, now: string): Promise<void> {
  if (!(await messagesRepository.markCompleted(trx, context.messageId, now))) return;
  const data = { ...context, completedAt: now };
  await emitEvent(trx, 'message.completed', data, now, `completed:${context.messageId}`);
}
