import { SqliteAdapter } from 'kysely';
import type { z } from 'zod';
import { newId } from '../core/ids';
import type { Db, Handle } from '../db/database';
import { logDrain } from '../db/sqlite-direct';
import { isUnstorableValue, unstorableReason } from '../db/storage-errors';
import { emitInboundReceived, insertInbound } from '../inbound';
import type { Logger } from '../logger';
import type { OptOutRules } from '../opt-outs';
import { applyInboundKeyword, optOutCodeHook } from '../opt-outs';
import { KNOWN_CALLBACK_TYPES, type SinchCallback, sinchCallbackSchema } from '../sinch/callbacks.schemas';
import * as tracking from '../tracking';
import { payloadToStore, type UnappliedBudget } from './callback-retention';
import { insertCallback } from './callbacks.repository';

/** A field of any callback, fit for its column in the log: a string within bounds and without NUL, or null. */
function storable(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length <= max && !value.includes('\u0000') ? value : null;
}

/** What applying a well-formed callback did; stored with it in the callback log. */
export type AppliedOutcome = tracking.ReportOutcome | 'inbound';

export type IngestResult =
  | { outcome: AppliedOutcome | 'unknown_type'; tally: tracking.ApplyTally }
  | { outcome: 'invalid'; issues: z.core.$ZodIssue[]; problem?: string };

/** A callback as the route received it. */
export type ReceivedCallback = {
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
 * Payload bytes one group carries at most (one callback more may pass it): better-sqlite3 writes and
 * syncs without yielding, so this bounds how long one group holds the event loop (issue 13 item 2).
 */
const MAX_GROUP_BYTES = 1024 * 1024;

/** The next group: up to MAX_GROUP callbacks and about MAX_GROUP_BYTES of payload, at least one. */
function nextGroup(queue: QueuedCallback[]): QueuedCallback[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && count < MAX_GROUP && (count === 0 || bytes < MAX_GROUP_BYTES)) {
    bytes += queue[count]?.raw.length ?? 0;
    count += 1;
  }
  return queue.splice(0, count);
}

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
export function createCallbackWriter(db: Db, rules: OptOutRules, budget?: UnappliedBudget): CallbackWriter {
  const apply = applierFor(rules);
  const queue: QueuedCallback[] = [];
  let writing = false;

  async function commit(group: ReceivedCallback[]): Promise<IngestResult[]> {
    const now = new Date().toISOString();
    return db.transaction().execute(async (trx) => {
      const results: IngestResult[] = [];
      for (const item of group) results.push(await storeAndApply(trx, item, now, apply, budget));
      return results;
    });
  }

  /** One callback alone; one the database refuses as it is, however often Sinch retries, is kept as invalid. */
  async function commitOne(item: ReceivedCallback): Promise<IngestResult> {
    try {
      const [result] = await commit([item]);
      return result as IngestResult;
    } catch (error) {
      return recover(item, error);
    }
  }

  function recover(item: ReceivedCallback, error: unknown): Promise<IngestResult> {
    if (!isUnstorableValue(error)) return Promise.reject(error);
    return keepUnstorable(db, item, error);
  }

  async function write(): Promise<void> {
    while (queue.length > 0) {
      // The callbacks arriving meanwhile join the next group.
      const drain = logDrain(db);
      if (drain) await drain;
      const group = nextGroup(queue);
      try {
        const results = await commit(group);
        for (const [i, item] of group.entries()) item.done(results[i] as IngestResult);
      } catch (error) {
        const [only] = group;
        if (group.length === 1 && only) await recover(only, error).then(only.done, only.fail);
        else for (const item of group) await commitOne(item).then(item.done, item.fail);
      }
      // Let other requests (a health check) run between two groups.
      if (queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    writing = false;
  }

  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return {
      ingest: (payload, raw, log) => commitOne({ payload, raw, log, receivedAt: new Date().toISOString() }),
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

/** What a callback is applied with: the opt-out rules for inbound keywords, tracking's hook for codes. */
export type Applier = { rules: OptOutRules; hook: tracking.ReportHook };

export const applierFor = (rules: OptOutRules): Applier => ({ rules, hook: optOutCodeHook(rules) });

/** Writes one callback to the log, with what became of it, in the transaction that applies it. */
export async function storeAndApply(
  trx: Handle,
  { payload, raw, log, receivedAt }: ReceivedCallback,
  now: string,
  apply: Applier,
  budget?: UnappliedBudget,
): Promise<IngestResult> {
  const type = typeof payload.type === 'string' ? payload.type : null;
  let result: IngestResult;
  if (type === null || !KNOWN_CALLBACK_TYPES.has(type)) {
    result = { outcome: 'unknown_type', tally: tracking.emptyTally() };
  } else {
    const parsed = sinchCallbackSchema.safeParse(payload);
    result = parsed.success
      ? await applyCallback(trx, parsed.data, now, log, apply)
      : { outcome: 'invalid', issues: parsed.error.issues };
  }
  // One row per callback, written with its outcome: no later update.
  await insertCallback(trx, {
    id: newId(),
    received_at: receivedAt,
    type: storable(type, 64),
    batch_id: storable(payload.batch_id, 64),
    client_reference: storable(payload.client_reference, 2048),
    ...payloadToStore(budget, result.outcome, raw),
    outcome: result.outcome,
    processed_at: now,
  });
  return result;
}

/**
 * A callback whose application the database refused (a value out of range, a body too deep to write
 * out): its raw payload is stored as `invalid` with what was refused, in a transaction of its own, and
 * it is answered 200. Sinch would retry it for days and it would fail the same way each time.
 */
async function keepUnstorable(db: Db, item: ReceivedCallback, error: unknown): Promise<IngestResult> {
  const problem = unstorableReason(error);
  const { payload } = item;
  const now = new Date().toISOString();
  await db.transaction().execute((trx) =>
    insertCallback(trx, {
      id: newId(),
      received_at: item.receivedAt,
      type: storable(payload.type, 64),
      batch_id: storable(payload.batch_id, 64),
      client_reference: storable(payload.client_reference, 2048),
      payload: item.raw,
      payload_bytes: Buffer.byteLength(item.raw),
      outcome: 'invalid',
      processed_at: now,
      problem,
    }),
  );
  return {
    outcome: 'invalid',
    issues: [{ code: 'custom', path: [], message: problem, input: undefined }],
    problem,
  };
}

/**
 * An inbound message is stored (and may be an opt-out keyword); a delivery report goes to tracking.
 * Idempotent: the live path and `npm run callbacks -- reapply` both apply through here.
 */
export async function applyCallback(
  trx: Handle,
  callback: SinchCallback,
  now: string,
  log: Logger,
  { rules, hook }: Applier,
): Promise<{ outcome: AppliedOutcome; tally: tracking.ApplyTally }> {
  switch (callback.type) {
    case 'mo_text':
    case 'mo_binary':
    case 'mo_media':
      // A repeat of a stored inbound (a Sinch retry, a reapply) writes no event: the stored row is the
      // guard, not the event's dedupe key, which goes with the event at EVENT_RETENTION_DAYS.
      if (await insertInbound(trx, callback, now)) await emitInboundReceived(trx, callback, now);
      await applyInboundKeyword(trx, callback, now, rules, log);
      log.info(
        { inboundId: callback.id, from: callback.from, to: callback.to, type: callback.type },
        'inbound sms',
      );
      return { outcome: 'inbound', tally: tracking.emptyTally() };
    default:
      return tracking.applyReport(trx, callback, { now, log, hook });
  }
}
