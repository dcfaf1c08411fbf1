import { lockBatch } from '../core/locks';
import type { Db } from '../db/database';
import { isUnstorableValue, unstorableReason } from '../db/storage-errors';
import type { Logger } from '../logger';
import type { OptOutRules } from '../opt-outs';
import { type SinchCallback, sinchCallbackSchema } from '../sinch/callbacks.schemas';
import type { DeliveryReport } from '../tracking';
import { type AppliedOutcome, type Applier, applierFor, applyCallback } from './callback-writer';
import {
  claimStoredCallback,
  setStoredOutcome,
  setStoredProblem,
  storedCallbacksToRetry,
} from './callbacks.repository';

/** The outcomes a stored callback is tried again from: it did not fit, or its batch was unknown. */
export const REAPPLIED_OUTCOMES = ['invalid', 'unmatched'] as const;

/**
 * How many callbacks ended with each outcome; `taken` were changed by someone else meanwhile;
 * `unstorable`, those the database still refuses as they are (kept `invalid`, `problem` says why);
 * `no_payload`, those stored without their payload (past the log's bound): nothing to apply.
 */
export type OutcomeCounts = Record<string, number>;

const PAGE = 200;

/**
 * Runs the stored `invalid` and `unmatched` callbacks through the live path's apply (tracking's
 * entry for reports, inbound and opt-outs for messages), oldest first, one transaction each. Safe to
 * run twice and beside a running service: a report takes its batch's lock as the live path does, then
 * claims its row only if the row still has the outcome it was read with, so a callback applied by the
 * service (its batch was stored meanwhile) or by another run is left alone. Applying is idempotent in
 * any case (recipient events and opt-out events have unique keys, inbounds their id).
 */
export async function reapplyStoredCallbacks(
  db: Db,
  rules: OptOutRules,
  log: Logger,
): Promise<OutcomeCounts> {
  const applier = applierFor(rules);
  const counts: OutcomeCounts = {};
  const count = (outcome: string) => {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  };
  let after = '';
  for (;;) {
    const rows = await storedCallbacksToRetry(db, REAPPLIED_OUTCOMES, after, PAGE);
    for (const row of rows) {
      if (row.payload === '') {
        count('no_payload');
        continue;
      }
      const parsed = sinchCallbackSchema.safeParse(parseJson(row.payload));
      if (!parsed.success) {
        // Still does not fit this release's schemas; it stays as it was.
        count(row.outcome);
        continue;
      }
      count(await reapplyOne(db, row, parsed.data, applier, log));
    }
    if (rows.length < PAGE) return counts;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

type StoredRow = { id: string; outcome: string; problem?: string | null };

/**
 * One stored callback in a transaction of its own. One the database refuses as it is (a body too deep to
 * write out, a value out of range: stored `invalid` with a `problem` by the live path) is rolled back
 * alone and stays `invalid`, its problem brought up to date; the run goes on with the next.
 */
async function reapplyOne(
  db: Db,
  row: StoredRow,
  callback: SinchCallback,
  applier: Applier,
  log: Logger,
): Promise<AppliedOutcome | 'taken' | 'unstorable'> {
  try {
    return await db.transaction().execute(async (trx): Promise<AppliedOutcome | 'taken'> => {
      // The lock first, as the live path and recordBatch take it: no lock cycle with them.
      if (!callback.type.startsWith('mo_')) await lockBatch(trx, (callback as DeliveryReport).batch_id);
      const now = new Date().toISOString();
      if (!(await claimStoredCallback(trx, row.id, row.outcome, now))) return 'taken';
      const applied = await applyCallback(trx, callback, now, log, applier);
      if (applied.outcome !== row.outcome) await setStoredOutcome(trx, row.id, applied.outcome, now);
      return applied.outcome;
    });
  } catch (error) {
    if (!isUnstorableValue(error)) throw error;
    const problem = unstorableReason(error);
    log.warn(
      { callbackId: row.id, type: callback.type, problem },
      'stored callback still refused by the database as it is: left invalid',
    );
    if (problem !== row.problem) await setStoredProblem(db, row.id, row.outcome, problem);
    return 'unstorable';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
