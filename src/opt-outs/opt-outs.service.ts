import { newId } from '../core/ids';
import { lockNumber, lockNumbers } from '../core/locks';
import { MSISDN_DIGITS, normalizeMsisdn } from '../core/msisdn';
import { normalizeTimestamp } from '../core/timestamps';
import type { Db, Handle } from '../db/database';
import { emitEvent } from '../events';
import type { Logger } from '../logger';
import type { InboundMessage } from '../sinch/callbacks.schemas';
import type { RecipientUpdate, ReportHook } from '../tracking';
import { matchKeyword, type OptOutRules } from './opt-out-settings';
import {
  deleteOptOut,
  insertEvent,
  insertEvents,
  latestEvent,
  markEventStale,
  markOutrankedStale,
  type OptOutSource,
  upsertOptOut,
  upsertOptOuts,
} from './opt-outs.repository';

export type OptOutChange = {
  msisdn: string;
  action: 'opt_out' | 'opt_in';
  source: OptOutSource;
  reason: string;
  reference: string | null;
  /** Sinch's time for the event; decides which of two events for a number is the later. */
  occurredAt: string;
  /** Makes a retried callback a no-op: unique per number. */
  eventKey: string;
};

/** applied; duplicate (this event was seen before); stale (a later event for the number was seen first). */
export type ChangeResult = 'applied' | 'duplicate' | 'stale';

/**
 * Records a change to a number's opt-out state, in the caller's transaction. The latest event by Sinch's
 * time decides, so a STOP whose callback Sinch retried for an hour cannot undo the START sent after it.
 */
export async function recordOptOutChange(
  trx: Handle,
  change: OptOutChange,
  now: string,
): Promise<ChangeResult> {
  await lockNumber(trx, change.msisdn);
  const id = await insertEvent(trx, {
    msisdn: change.msisdn,
    action: change.action,
    source: change.source,
    reason: change.reason,
    reference: change.reference,
    event_key: change.eventKey,
    occurred_at: change.occurredAt,
    recorded_at: now,
  });
  if (!id) return 'duplicate';
  if ((await latestEvent(trx, change.msisdn))?.id !== id) {
    await markEventStale(trx, id);
    return 'stale';
  }
  if (change.action === 'opt_in') {
    await deleteOptOut(trx, change.msisdn);
  } else {
    await upsertOptOut(trx, {
      msisdn: change.msisdn,
      source: change.source,
      reason: change.reason,
      reference: change.reference,
      created_at: now,
      updated_at: now,
    });
  }
  const data = {
    msisdn: `+${change.msisdn}`,
    action: change.action,
    source: change.source,
    reason: change.reason,
    reference: change.reference,
    occurredAt: change.occurredAt,
    messageId: null,
    batchId: change.source === 'delivery_code' ? change.reference : null,
    clientReference: null,
  };
  await emitEvent(trx, 'opt_out.changed', data, now, `opt_out:${change.msisdn}:${change.eventKey}`);
  return 'applied';
}

/** Callback hook: an inbound text that is exactly an opt-out or opt-in keyword changes its sender's state. */
export async function applyInboundKeyword(
  trx: Handle,
  inbound: InboundMessage,
  now: string,
  rules: OptOutRules,
  log: Logger,
): Promise<void> {
  if (inbound.type !== 'mo_text') return;
  const match = matchKeyword(inbound.body, rules);
  if (!match) return;
  const msisdn = normalizeMsisdn(inbound.from);
  const context = { inboundId: inbound.id, number: `+${msisdn}`, keyword: match.keyword };
  if (!MSISDN_DIGITS.test(msisdn)) {
    log.warn(context, 'opt-out keyword from a sender that is not a phone number: ignored');
    return;
  }
  const result = await recordOptOutChange(
    trx,
    {
      msisdn,
      action: match.action,
      source: 'keyword',
      reason: match.keyword,
      reference: inbound.id,
      occurredAt: normalizeTimestamp(inbound.received_at) ?? now,
      eventKey: `${match.action}|keyword|${inbound.id}`,
    },
    now,
  );
  log.info({ ...context, result }, match.action === 'opt_out' ? 'number opted out' : 'number opted in');
}

/**
 * Recipients whose report code means they opted out (257) go on the list. Set-based, for a `full`
 * report naming up to 1,000 of them: the numbers' lock stripes in one statement, then the events, the
 * check for later ones and the list written 500 rows per statement (issue 13 item 4). Each number counts
 * once per report; the same rules as recordOptOutChange otherwise: a retried report is a duplicate, and
 * an event older than the number's latest changes nothing.
 */
export async function applyOptOutCodes(
  trx: Handle,
  batchId: string,
  updates: readonly RecipientUpdate[],
  now: string,
  rules: OptOutRules,
  log: Logger,
): Promise<void> {
  const byNumber = new Map<string, RecipientUpdate>();
  for (const u of updates) {
    if (u.code !== null && rules.deliveryCodes.has(u.code) && MSISDN_DIGITS.test(u.msisdn)) {
      if (!byNumber.has(u.msisdn)) byNumber.set(u.msisdn, u);
    }
  }
  if (byNumber.size === 0) return;
  const matching = [...byNumber.values()].sort((a, b) => a.msisdn.localeCompare(b.msisdn));
  await lockNumbers(
    trx,
    matching.map((u) => u.msisdn),
  );
  const events = matching.map((update) => ({
    id: newId(),
    msisdn: update.msisdn,
    action: 'opt_out',
    source: 'delivery_code',
    reason: String(update.code),
    reference: batchId,
    event_key: `opt_out|delivery_code|${batchId}|${update.code}`,
    occurred_at: update.at ?? now,
    recorded_at: now,
  }));
  const inserted = await insertEvents(trx, events);
  const stale = await markOutrankedStale(
    trx,
    inserted.map((row) => row.id),
  );
  const applied = inserted.filter((row) => !stale.has(row.id));
  await upsertOptOuts(
    trx,
    applied.map((row) => ({
      msisdn: row.msisdn,
      source: 'delivery_code',
      reason: String(byNumber.get(row.msisdn)?.code),
      reference: batchId,
      created_at: now,
      updated_at: now,
    })),
  );
  const appliedNumbers = new Set(applied.map((row) => row.msisdn));
  const insertedNumbers = new Set(inserted.map((row) => row.msisdn));
  for (const { msisdn, code } of matching) {
    const result = appliedNumbers.has(msisdn)
      ? 'applied'
      : insertedNumbers.has(msisdn)
        ? 'stale'
        : 'duplicate';
    log.info({ batchId, number: `+${msisdn}`, code, result }, 'number opted out by delivery code');
  }
}

/** The opt-out codes as tracking's report hook: applied with every report, posted or fetched. */
export function optOutCodeHook(rules: OptOutRules): ReportHook {
  return (trx, batchId, updates, now, log) => applyOptOutCodes(trx, batchId, updates, now, rules, log);
}

/** An operator takes a number off the list; false when it was not on it. */
export async function removeOptOut(db: Db, msisdn: string, operator: string | undefined): Promise<boolean> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    await lockNumber(trx, msisdn);
    const on = await trx
      .selectFrom('opt_outs')
      .select('msisdn')
      .where('msisdn', '=', msisdn)
      .executeTakeFirst();
    if (!on) return false;
    // The operator's word is the latest, even when Sinch's clock runs ahead of ours.
    const latest = (await latestEvent(trx, msisdn))?.occurred_at;
    const result = await recordOptOutChange(
      trx,
      {
        msisdn,
        action: 'opt_in',
        source: 'operator',
        reason: 'removed by operator',
        reference: operator ?? null,
        occurredAt: latest && latest > now ? latest : now,
        eventKey: `opt_in|operator|${newId()}`,
      },
      now,
    );
    return result === 'applied';
  });
}
