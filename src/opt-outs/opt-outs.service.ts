import { newId } from '../core/ids';
import { lockNumber } from '../core/locks';
import { MSISDN_DIGITS, normalizeMsisdn } from '../core/msisdn';
import { normalizeTimestamp } from '../core/timestamps';
import type { Db, Handle } from '../db/database';
import { emitEvent } from '../events';
import type { Logger } from '../logger';
import type { InboundMessage } from '../sinch/callbacks.schemas';
import { matchKeyword, type OptOutRules } from './opt-out-settings';
import {
  deleteOptOut,
  insertEvent,
  latestEvent,
  markEventStale,
  type OptOutSource,
  upsertOptOut,
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
