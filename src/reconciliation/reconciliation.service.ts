import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database';
import { applyRecipientReport } from '../delivery-reports/delivery-reports.repository';
import { applyFetchedReport } from '../delivery-reports/delivery-reports.service';
import { SEND_STATUS } from '../delivery-reports/delivery-status';
import type { Logger } from '../logger';
import { type Metrics, recordApplied } from '../metrics/metrics';
import type { OptOutRules } from '../opt-outs/opt-out-settings';
import type { SinchClient } from '../sinch/sinch.client';
import {
  claimMessage,
  findMessagesToReconcile,
  openRecipients,
  releaseMessage,
  scheduleNextCheck,
} from './reconciliation.repository';

export type ReconcileSettings = {
  /** How old a send must be before Sinch is asked about it. */
  afterMs: number;
  /** How long to wait before asking again about the same recipient. */
  recheckMs: number;
  /** After the batch's expiry plus this, a recipient with no final report is marked NoReport. */
  expiryGraceMs: number;
  /** Messages per sweep. */
  batchSize: number;
};

export type ReconcileDeps = {
  db: Db;
  sinch: SinchClient;
  log: Logger;
  settings: ReconcileSettings;
  /** The opt-out codes apply to fetched reports as to posted ones. */
  optOuts: OptOutRules;
  metrics?: Metrics;
};

export type SweepResult = { applied: number; unchanged: number; noReport: number; failed: number };

const LEASE_MS = 5 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One pass: asks Sinch for the current report of every recipient still without a final status some
 * time after sending, and applies it through the same forward-only update as callbacks. Each message
 * is leased first, so instances sharing a database never check the same one at once.
 */
export async function sweepOnce(
  deps: ReconcileDeps,
  owner: string = randomUUID(),
  nowMs = Date.now(),
  /** Asked between recipients: true ends the sweep there (a shutdown), leases released. */
  stopping: () => boolean = () => false,
): Promise<SweepResult> {
  const { db, settings } = deps;
  const now = iso(nowMs);
  const result: SweepResult = { applied: 0, unchanged: 0, noReport: 0, failed: 0 };
  const due = await findMessagesToReconcile(db, now, iso(nowMs - settings.afterMs), settings.batchSize);

  for (const message of due) {
    if (stopping()) break;
    if (!message.batch_id || !(await claimMessage(db, message.id, owner, now, iso(nowMs + LEASE_MS))))
      continue;
    try {
      const expired =
        message.expire_at !== null && Date.parse(message.expire_at) + settings.expiryGraceMs < nowMs;
      for (const recipient of await openRecipients(db, message.id)) {
        if (stopping()) break;
        const outcome = expired
          ? await markNoReport(db, message.id, recipient.msisdn, now)
          : await askSinch(deps, message.id, message.batch_id, recipient.msisdn);
        result[outcome] += 1;
        await scheduleNextCheck(db, message.id, recipient.msisdn, iso(nowMs + settings.recheckMs));
      }
    } finally {
      await releaseMessage(db, message.id, owner);
    }
  }
  if (due.length > 0) deps.log.info({ ...result, messages: due.length }, 'reconciliation sweep done');
  for (const [key, count] of Object.entries(result))
    if (count > 0) deps.metrics?.reconciliation.inc({ result: key }, count);
  return result;
}

async function askSinch(
  deps: ReconcileDeps,
  messageId: string,
  batchId: string,
  msisdn: string,
): Promise<keyof SweepResult> {
  let report: Awaited<ReturnType<SinchClient['getRecipientReport']>>;
  try {
    report = await deps.sinch.getRecipientReport(batchId, msisdn);
  } catch (err) {
    deps.log.warn({ err, messageId, batchId, recipient: msisdn }, 'reconciliation: sinch could not say');
    return 'failed';
  }
  const { outcome, tally } = await applyFetchedReport(deps.db, report, deps.log, deps.optOuts);
  if (deps.metrics) recordApplied(deps.metrics, tally);
  deps.log.info(
    { messageId, batchId, recipient: msisdn, status: report.status, result: outcome },
    'reconciled recipient',
  );
  return outcome === 'applied' ? 'applied' : 'unchanged';
}

async function markNoReport(
  db: Db,
  messageId: string,
  msisdn: string,
  now: string,
): Promise<keyof SweepResult> {
  const applied = await db
    .transaction()
    .execute((trx) =>
      applyRecipientReport(
        trx,
        { messageId, msisdn, status: SEND_STATUS.noReport, code: null, at: now, operatorStatusAt: null },
        now,
      ),
    );
  return applied === 'applied' ? 'noReport' : 'unchanged';
}
