import { SqliteAdapter } from 'kysely';
import type { z } from 'zod';
import { newId } from '../core/ids';
import { lockBatch } from '../core/locks';
import { normalizeMsisdn } from '../core/msisdn';
import { normalizeTimestamp } from '../core/timestamps';
import type { Db, Handle } from '../db/database';
import { insertInbound } from '../inbound/inbound.repository';
import type { Logger } from '../logger';
import type { OptOutRules } from '../opt-outs/opt-out-settings';
import { applyInboundKeyword, applyOptOutCodes } from '../opt-outs/opt-outs.service';
import {
  type BatchDeliveryReport,
  canonicalStatus,
  isRecipientReport,
  KNOWN_CALLBACK_TYPES,
  type RecipientDeliveryReport,
  type SinchCallback,
  sinchCallbackSchema,
} from '../sinch/callbacks.schemas';
import {
  adoptBatchId,
  applyRecipientReport,
  findMessageForReport,
  findUnmatchedCallbacks,
  insertCallback,
  setCallbackOutcome,
  setReportSummary,
} from './delivery-reports.repository';
import { isFinal } from './delivery-status';

/** One recipient's status as a callback states it, whichever shape carried it. */
export type RecipientStatusUpdate = {
  batchId: string;
  recipient: string;
  status: string;
  code: number;
  at: string | null;
  operatorStatusAt: string | null;
  clientReference: string | undefined;
};

/** Flattens a delivery report into per-recipient updates; `summary` reports name no recipient. */
export function recipientUpdates(
  report: RecipientDeliveryReport | BatchDeliveryReport,
): RecipientStatusUpdate[] {
  if (isRecipientReport(report)) {
    return [
      {
        batchId: report.batch_id,
        recipient: normalizeMsisdn(report.recipient),
        status: canonicalStatus(report.status),
        code: report.code,
        at: normalizeTimestamp(report.at),
        operatorStatusAt: normalizeTimestamp(report.operator_status_at),
        clientReference: report.client_reference,
      },
    ];
  }
  return report.statuses.flatMap((entry) =>
    (entry.recipients ?? []).map((recipient) => ({
      batchId: report.batch_id,
      recipient: normalizeMsisdn(recipient),
      status: canonicalStatus(entry.status),
      code: entry.code,
      at: null,
      operatorStatusAt: null,
      clientReference: report.client_reference,
    })),
  );
}

/** A field of any callback, fit for its column in the log: a string within bounds and without NUL, or null. */
function storable(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length <= max && !value.includes('\u0000') ? value : null;
}

/** What applying a well-formed callback did; stored with it in the callback log. */
type AppliedOutcome = 'applied' | 'ignored' | 'unmatched' | 'summary' | 'inbound';

/** What applying did to recipients, for metrics: final statuses reached, and reports that changed nothing. */
export type ApplyTally = {
  finals: Array<{ status: string; code: number | null; sentAt: string }>;
  ignored: number;
};

export type IngestResult =
  | { outcome: AppliedOutcome | 'unknown_type'; tally: ApplyTally }
  | { outcome: 'invalid'; issues: z.core.$ZodIssue[] };

/** A callback as the route received it. */
type ReceivedCallback = {
  payload: Record<string, unknown>;
  raw: string;
  log: Logger;
  receivedAt: string;
};

/** One waiting for its turn in a group's transaction. */
type QueuedCallback = ReceivedCallback & { done(result: IngestResult): void; fail(error: unknown): void };

export type CallbackWriter = {
  /**
   * Stores the callback as received and applies it; resolves once both are committed, so the caller
   * may answer 2xx. Rejects when it could not be stored: the caller answers 5xx and Sinch retries.
   */
  ingest(payload: Record<string, unknown>, raw: string, log: Logger): Promise<IngestResult>;
};

/** Callbacks committed together at most; a bound on how long one transaction holds the writer. */
const MAX_GROUP = 200;

/**
 * Stores callbacks. On SQLite, with group commit: the callbacks read in one turn of the event loop are
 * stored in one transaction, and those that arrive while it runs go together in the next. SQLite has
 * one writer anyway, and under load one commit then carries dozens of callbacks, so the pages every
 * callback writes (the log's tail, the tails of its indexes, the file header) go to disk once per group
 * instead of once per callback. When idle a callback commits alone.
 *
 * On PostgreSQL each callback has its own transaction, run side by side on the pool: a group would hold
 * the per-batch and per-number locks of all its callbacks at once, in no order two instances agree on.
 *
 * Each callback is answered only after the transaction holding it has committed. If a group fails,
 * its callbacks are retried one transaction each, so a callback that cannot be stored fails alone.
 */
export function createCallbackWriter(db: Db, rules: OptOutRules): CallbackWriter {
  const queue: QueuedCallback[] = [];
  let writing = false;

  async function commit(group: ReceivedCallback[]): Promise<IngestResult[]> {
    const now = new Date().toISOString();
    return db.transaction().execute(async (trx) => {
      const results: IngestResult[] = [];
      for (const item of group) results.push(await storeAndApply(trx, item, now, rules));
      return results;
    });
  }

  async function write(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      try {
        const results = await commit(group);
        for (const [i, item] of group.entries()) item.done(results[i] as IngestResult);
      } catch (error) {
        if (group.length === 1) {
          group[0]?.fail(error);
          continue;
        }
        for (const item of group) {
          await commit([item]).then(([result]) => item.done(result as IngestResult), item.fail);
        }
      }
    }
    writing = false;
  }

  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return {
      async ingest(payload, raw, log) {
        const [result] = await commit([{ payload, raw, log, receivedAt: new Date().toISOString() }]);
        return result as IngestResult;
      },
    };
  }

  return {
    ingest(payload, raw, log) {
      return new Promise<IngestResult>((done, fail) => {
        queue.push({ payload, raw, log, receivedAt: new Date().toISOString(), done, fail });
        // Not at once: SQLite runs a whole transaction without yielding, so the callbacks read in this
        // turn of the event loop would each get their own. setImmediate lets them all join the group.
        if (!writing) {
          writing = true;
          setImmediate(write);
        }
      });
    },
  };
}

/** Writes one callback to the log, with what became of it, in the transaction that applies it. */
async function storeAndApply(
  trx: Handle,
  { payload, raw, log, receivedAt }: ReceivedCallback,
  now: string,
  rules: OptOutRules,
): Promise<IngestResult> {
  const type = typeof payload.type === 'string' ? payload.type : null;
  const tally: ApplyTally = { finals: [], ignored: 0 };
  let result: IngestResult;
  if (type === null || !KNOWN_CALLBACK_TYPES.has(type)) {
    result = { outcome: 'unknown_type', tally };
  } else {
    const parsed = sinchCallbackSchema.safeParse(payload);
    result = parsed.success
      ? { outcome: await applyCallback(trx, parsed.data, now, log, tally, rules), tally }
      : { outcome: 'invalid', issues: parsed.error.issues };
  }
  // One row per callback, written with its outcome: no later update.
  await insertCallback(trx, {
    id: newId(),
    received_at: receivedAt,
    type: storable(type, 64),
    batch_id: storable(payload.batch_id, 64),
    client_reference: storable(payload.client_reference, 2048),
    payload: raw,
    outcome: result.outcome,
    processed_at: now,
  });
  return result;
}

async function applyCallback(
  trx: Handle,
  callback: SinchCallback,
  now: string,
  log: Logger,
  tally: ApplyTally,
  rules: OptOutRules,
): Promise<AppliedOutcome> {
  switch (callback.type) {
    case 'mo_text':
    case 'mo_binary':
    case 'mo_media':
      await insertInbound(trx, callback, now);
      await applyInboundKeyword(trx, callback, now, rules, log);
      log.info(
        { inboundId: callback.id, from: callback.from, to: callback.to, type: callback.type },
        'inbound sms',
      );
      return 'inbound';
    default:
      return applyDeliveryReport(trx, callback, now, log, tally, rules);
  }
}

async function applyDeliveryReport(
  trx: Handle,
  report: RecipientDeliveryReport | BatchDeliveryReport,
  now: string,
  log: Logger,
  tally: ApplyTally,
  rules: OptOutRules,
): Promise<AppliedOutcome> {
  await lockBatch(trx, report.batch_id);
  const message = await findMessageForReport(trx, report.batch_id, report.client_reference);
  const context = {
    batchId: report.batch_id,
    clientReference: report.client_reference,
    messageId: message?.id,
  };
  if (!message) {
    const statuses = recipientUpdates(report).map(({ recipient, status, code }) => ({
      recipient,
      status,
      code,
    }));
    log.info(
      { ...context, statuses: statuses.length > 0 ? statuses : report.statuses },
      'report for a batch we do not know yet: kept until the batch is stored',
    );
    return 'unmatched';
  }
  if (message.batch_id === null) await adoptBatchId(trx, message.id, report.batch_id, now);

  if (!isRecipientReport(report) && !report.statuses.some((s) => s.recipients)) {
    await setReportSummary(
      trx,
      message.id,
      JSON.stringify({
        totalMessageCount: report.total_message_count,
        statuses: report.statuses,
        receivedAt: now,
      }),
      now,
    );
    log.info({ ...context, statuses: report.statuses }, 'batch delivery summary');
    return 'summary';
  }

  let applied = false;
  const updates = recipientUpdates(report);
  for (const update of updates) {
    const result = await applyRecipientReport(
      trx,
      {
        messageId: message.id,
        msisdn: update.recipient,
        status: update.status,
        code: update.code,
        at: update.at,
        operatorStatusAt: update.operatorStatusAt,
      },
      now,
    );
    applied ||= result === 'applied';
    if (result === 'ignored') tally.ignored += 1;
    if (result === 'applied' && isFinal(update.status)) {
      // A scheduled batch leaves at send_at: the time to its final status counts from then.
      tally.finals.push({
        status: update.status,
        code: update.code,
        sentAt: message.send_at ?? message.created_at,
      });
    }
    const line = {
      ...context,
      recipient: update.recipient,
      status: update.status,
      code: update.code,
      result,
    };
    if (result === 'unknown_recipient') log.warn(line, 'report names a recipient the message does not have');
    else log.info(line, 'delivery status');
  }
  // Codes such as 257 mean the recipient opted out, whatever the forward-only rule made of the status.
  await applyOptOutCodes(trx, updates, now, rules, log);
  return applied ? 'applied' : 'ignored';
}

/**
 * Applies a recipient report fetched from Sinch (by the reconciliation sweep) through the same path
 * as a posted one: the forward-only update, the opt-out codes, the tally for metrics.
 */
export async function applyFetchedReport(
  db: Db,
  report: RecipientDeliveryReport,
  log: Logger,
  rules: OptOutRules,
): Promise<{ outcome: AppliedOutcome; tally: ApplyTally }> {
  const tally: ApplyTally = { finals: [], ignored: 0 };
  const now = new Date().toISOString();
  const outcome = await db
    .transaction()
    .execute((trx) => applyDeliveryReport(trx, report, now, log, tally, rules));
  return { outcome, tally };
}

/** Applies reports that arrived before their batch was stored; runs in the transaction that stores it. */
export async function applyUnmatchedCallbacks(
  trx: Handle,
  batchId: string,
  clientReference: string,
  now: string,
  log: Logger,
  rules: OptOutRules,
  tally: ApplyTally = { finals: [], ignored: 0 },
): Promise<number> {
  const waiting = await findUnmatchedCallbacks(trx, batchId, clientReference);
  let applied = 0;
  for (const row of waiting) {
    const parsed = sinchCallbackSchema.safeParse(JSON.parse(row.payload));
    if (!parsed.success) continue;
    const outcome = await applyCallback(trx, parsed.data, now, log, tally, rules);
    if (outcome !== 'unmatched') {
      await setCallbackOutcome(trx, row.id, outcome, now);
      applied += 1;
    }
  }
  return applied;
}
