import { randomUUID } from 'node:crypto';
import { defaultExpiry, LOOKUP_WINDOW_MS, lookupSince } from '../core/batch-window';
import { normalizeTimestamp } from '../core/timestamps';
import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { findMessage, findRecipients } from '../messages';
import { type Metrics, recordApplied } from '../metrics/metrics';
import type { OptOutRules } from '../opt-outs';
import { optOutCodeHook } from '../opt-outs';
import { type SinchClient, sameBatch } from '../sinch/sinch.client';
import * as tracking from '../tracking';
import {
  claimMessage,
  findMessagesToReconcile,
  findSendsInDoubt,
  holdMessage,
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
      for (const recipient of await openRecipients(db, message.id, now)) {
        if (stopping()) break;
        const outcome = expired
          ? (await tracking.markNoReport(db, message.id, recipient.msisdn, now))
            ? 'noReport'
            : 'unchanged'
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
    report = await deps.sinch.getRecipientReport(batchId, msisdn, { log: deps.log, messageId });
  } catch (err) {
    deps.log.warn({ err, messageId, batchId, recipient: msisdn }, 'reconciliation: sinch could not say');
    return 'failed';
  }
  const context = { now: new Date().toISOString(), log: deps.log, hook: optOutCodeHook(deps.optOuts) };
  const { outcome, tally } = await deps.db
    .transaction()
    .execute((trx) => tracking.applyReport(trx, report, context));
  if (deps.metrics) recordApplied(deps.metrics, tally);
  deps.log.info(
    { messageId, batchId, recipient: msisdn, status: report.status, result: outcome },
    'reconciled recipient',
  );
  return outcome === 'applied' ? 'applied' : 'unchanged';
}

export type DoubtResult = { adopted: number; notFound: number; failed: number };

/**
 * Sends whose call to Sinch ended in doubt (a timeout, a dropped connection) and that no report has
 * settled since: asks Sinch for a batch with the message's client reference, this body and these
 * numbers. One found is adopted as if Sinch had answered (Sent, its batch id, reports kept waiting for
 * it applied); then the per-recipient sweep follows it like any other. Sinch lists a batch as soon as
 * it has created it, so one not found `afterMs` after the send was never taken: it is held out of
 * later sweeps for good. When Sinch cannot be asked, the question comes back after `recheckMs`.
 */
export async function resolveSendsInDoubt(
  deps: ReconcileDeps,
  owner: string = randomUUID(),
  nowMs = Date.now(),
  stopping: () => boolean = () => false,
): Promise<DoubtResult> {
  const { db, settings, log } = deps;
  const now = iso(nowMs);
  const result: DoubtResult = { adopted: 0, notFound: 0, failed: 0 };
  const due = await findSendsInDoubt(
    db,
    now,
    iso(nowMs - settings.afterMs),
    iso(nowMs - LOOKUP_WINDOW_MS),
    settings.batchSize,
  );
  for (const message of due) {
    if (stopping()) break;
    // Held until the next check should Sinch not answer; released once the send is settled.
    if (!(await claimMessage(db, message.id, owner, now, iso(nowMs + settings.recheckMs)))) continue;
    const context = { messageId: message.id, clientReference: message.client_reference };
    let batch: Awaited<ReturnType<SinchClient['findBatchByClientReference']>>;
    try {
      batch = await deps.sinch.findBatchByClientReference(
        message.client_reference,
        lookupSince(message.created_at),
      );
    } catch (err) {
      log.warn({ err, ...context }, 'reconciliation: sinch could not say whether it has this send');
      result.failed += 1;
      continue;
    }
    const to = (await findRecipients(db, message.id)).map((r) => r.msisdn);
    // A batch another message already holds is that one's: two identical sends under one reference.
    const taken = batch ? (await findMessage(db, batch.id))?.batch_id === batch.id : false;
    if (!batch || taken || !sameBatch(batch, { body: message.body, to })) {
      // Held past the window in which it could qualify again.
      await holdMessage(db, message.id, owner, iso(Date.parse(message.created_at) + LOOKUP_WINDOW_MS + 1));
      log.info(context, 'send in doubt not found at sinch: it was never sent');
      result.notFound += 1;
      continue;
    }
    const found = batch;
    const expireAt =
      normalizeTimestamp(found.expire_at) ?? defaultExpiry(found.created_at ?? message.created_at);
    try {
      await tracking.recordBatch(
        db,
        { id: message.id, clientReference: message.client_reference },
        { id: found.id, expireAt },
        { log, hook: optOutCodeHook(deps.optOuts) },
      );
      await releaseMessage(db, message.id, owner);
      result.adopted += 1;
      log.info({ ...context, batchId: found.id }, 'send in doubt found at sinch: it was sent');
    } catch (err) {
      log.error({ err, ...context, batchId: found.id }, 'send in doubt found at sinch but not stored');
      result.failed += 1;
    }
  }
  if (due.length > 0) log.info({ ...result, messages: due.length }, 'sends in doubt checked');
  if (result.adopted > 0) deps.metrics?.reconciliation.inc({ result: 'send_adopted' }, result.adopted);
  if (result.notFound > 0) deps.metrics?.reconciliation.inc({ result: 'send_not_found' }, result.notFound);
  return result;
}
