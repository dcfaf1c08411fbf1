import { newId } from '../core/ids';
import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import { type ForwardShape, forwardShape, movesForward, SEND_STATUS, statusRank } from './status';

/** One recipient's status as a report states it, whoever reported it (Sinch, a cancel, the sweep). */
export type RecipientUpdate = {
  /** Digits only, as recipients are stored. */
  msisdn: string;
  status: string;
  code: number | null;
  /** Sinch's time for the status; null when the report gave none. */
  at: string | null;
  operatorStatusAt: string | null;
};

export type UpdateResult = 'applied' | 'ignored' | 'unknown_recipient';

type ForwardValues = RecipientUpdate & { messageId: string; rank: number; now: string };

function forwardUpdate(shape: ForwardShape) {
  return preparedQuery((db, v: ForwardValues) =>
    db
      .updateTable('recipients')
      .set({
        status: v.status,
        status_rank: v.rank,
        code: v.code,
        status_at: v.at,
        operator_status_at: v.operatorStatusAt,
        updated_at: v.now,
      })
      .where('message_id', '=', v.messageId)
      .where('msisdn', '=', v.msisdn)
      .where((eb) => movesForward(eb, shape, v)),
  );
}

const FORWARD_UPDATES: Record<ForwardShape, ReturnType<typeof forwardUpdate>> = {
  untimed: forwardUpdate('untimed'),
  intermediate: forwardUpdate('intermediate'),
  final: forwardUpdate('final'),
};

const recipientExists = preparedQuery((db, v: { messageId: string; msisdn: string }) =>
  db
    .selectFrom('recipients')
    .select('msisdn')
    .where('message_id', '=', v.messageId)
    .where('msisdn', '=', v.msisdn),
);

const insertRecipientEvent = preparedQuery((db, v: ForwardValues & { id: string; eventKey: string }) =>
  db
    .insertInto('recipient_events')
    .values({
      id: v.id,
      message_id: v.messageId,
      msisdn: v.msisdn,
      event_key: v.eventKey,
      status: v.status,
      code: v.code,
      at: v.at,
      operator_status_at: v.operatorStatusAt,
      applied_at: v.now,
    })
    .onConflict((oc) => oc.columns(['message_id', 'msisdn', 'event_key']).doNothing()),
);

/**
 * Moves a recipient forward, never back (the rule: status.ts). The history row is written only for an
 * update that was applied.
 */
export async function applyRecipientUpdate(
  db: Handle,
  messageId: string,
  update: RecipientUpdate,
  now: string,
): Promise<UpdateResult> {
  const rank = statusRank(update.status);
  const values = { ...update, messageId, rank, now };
  const result = await FORWARD_UPDATES[forwardShape(update.status, update.at)](db, values);

  if (Number(result.numAffectedRows ?? 0) === 0) {
    const exists = (await recipientExists(db, values)).rows.length > 0;
    return exists ? 'ignored' : 'unknown_recipient';
  }
  await insertRecipientEvent(db, {
    ...values,
    id: newId(),
    eventKey: `${update.status}|${update.code}|${update.at ?? ''}`,
  });
  return 'applied';
}

const markSent = preparedQuery((db, v: { messageId: string; now: string; status: string; rank: number }) =>
  db
    .updateTable('recipients')
    .set({ status: v.status, status_rank: v.rank, updated_at: v.now })
    .where('message_id', '=', v.messageId)
    .where('status_rank', '<', v.rank),
);

/** Sinch accepted the batch: every recipient not yet further along becomes Sent. */
export async function markRecipientsSent(trx: Handle, messageId: string, now: string): Promise<void> {
  await markSent(trx, { messageId, now, status: SEND_STATUS.sent, rank: statusRank(SEND_STATUS.sent) });
}

/** The send failed: recipients no report has reached yet say so. How many changed. */
export async function markRecipientsFailed(
  trx: Handle,
  messageId: string,
  status: string,
  now: string,
): Promise<number> {
  const result = await trx
    .updateTable('recipients')
    .set({ status, updated_at: now })
    .where('message_id', '=', messageId)
    .where('status', '=', SEND_STATUS.pending)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Recipients a cancel can still stop: not yet handed to the SMSC. A Dispatched one may still be
 * delivered, so only Sinch's own report settles it.
 */
export async function findCancellableRecipients(db: Handle, messageId: string) {
  return db
    .selectFrom('recipients')
    .select('msisdn')
    .where('message_id', '=', messageId)
    .where('status_rank', '<', statusRank('Dispatched'))
    .orderBy('msisdn')
    .execute();
}
