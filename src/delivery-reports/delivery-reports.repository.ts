import { newId } from '../core/ids';
import type { Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { CallbacksTable } from '../db/schema';
import { BATCH_LIMITS } from '../sinch/batches.schemas';
import { FINAL_RANK, SEND_STATUS, statusRank } from './delivery-status';

const insertCallbackRow = preparedQuery((db, row: CallbacksTable) =>
  db.insertInto('callbacks').values({
    id: row.id,
    received_at: row.received_at,
    type: row.type,
    batch_id: row.batch_id,
    client_reference: row.client_reference,
    payload: row.payload,
    outcome: row.outcome,
    processed_at: row.processed_at,
  }),
);

export async function insertCallback(db: Handle, row: CallbacksTable): Promise<void> {
  await insertCallbackRow(db, row);
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
 * we have not stored yet (the report beat our own write, or our call to Sinch ended in doubt).
 */
const messageByBatchId = preparedQuery((db, v: { batchId: string }) =>
  db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at', 'send_at'])
    .where('batch_id', '=', v.batchId),
);

export async function findMessageForReport(db: Handle, batchId: string, clientReference: string | undefined) {
  const byBatch = (await messageByBatchId(db, { batchId })).rows[0];
  if (byBatch || !clientReference) return byBatch;
  const candidates = await db
    .selectFrom('messages')
    .select(['id', 'batch_id', 'created_at', 'send_at'])
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

type ForwardValues = {
  messageId: string;
  msisdn: string;
  status: string;
  rank: number;
  code: number | null;
  at: string | null;
  operatorStatusAt: string | null;
  now: string;
};

/**
 * The forward-only UPDATE, in its three shapes: a report without Sinch's time (it can only advance the
 * rank), and a timed intermediate or final one (which may also replace a status of the same rank).
 */
function forwardUpdate(shape: 'untimed' | 'intermediate' | 'final') {
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
      .where((eb) => {
        const advances = eb('status_rank', '<', v.rank);
        if (shape === 'untimed') return advances;
        const later = eb('status_at', '<', v.at);
        return eb.or([
          advances,
          eb.and([
            eb('status_rank', '=', v.rank),
            eb('status', '<>', v.status),
            // Between two final statuses only Sinch's clock decides; an intermediate status with no
            // time (from a `full` report) gives way to one that has a time.
            shape === 'intermediate'
              ? eb.or([eb('status_at', 'is', null), later])
              : eb.and([eb('status_at', 'is not', null), later]),
          ]),
        ]);
      }),
  );
}

const FORWARD_UPDATES = {
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

const insertRecipientEvent = preparedQuery(
  (
    db,
    v: {
      id: string;
      messageId: string;
      msisdn: string;
      eventKey: string;
      status: string;
      code: number | null;
      at: string | null;
      operatorStatusAt: string | null;
      now: string;
    },
  ) =>
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
  const shape = report.at === null ? 'untimed' : rank < FINAL_RANK ? 'intermediate' : 'final';
  const values = { ...report, rank, now };
  const result = await FORWARD_UPDATES[shape](db, values);

  if (Number(result.numAffectedRows ?? 0) === 0) {
    const exists = (await recipientExists(db, values)).rows.length > 0;
    return exists ? 'ignored' : 'unknown_recipient';
  }
  await insertRecipientEvent(db, {
    ...values,
    id: newId(),
    eventKey: `${report.status}|${report.code}|${report.at ?? ''}`,
  });
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

/**
 * Callbacks kept because their batch was unknown, that may belong to this batch or client reference.
 * Two lookups joined by UNION, each on its partial index: with an OR of the two, SQLite would rather
 * scan the whole log in id order.
 */
export async function findUnmatchedCallbacks(db: Handle, batchId: string, clientReference: string) {
  const unmatched = () =>
    db.selectFrom('callbacks').select(['id', 'payload']).where('outcome', '=', 'unmatched');
  return unmatched()
    .where('batch_id', '=', batchId)
    .union(unmatched().where('client_reference', '=', clientReference))
    .orderBy('id')
    .execute();
}
