import { newId } from '../core/ids';
import { lockNumbers } from '../core/locks';
import { MSISDN_DIGITS } from '../core/msisdn';
import type { Handle } from '../db/database';
import { emitEvents } from '../events';
import type { Logger } from '../logger';
import type { RecipientUpdate, ReportHook } from '../tracking';
import type { OptOutRules } from './opt-out-settings';
import { insertEvents, markOutrankedStale, upsertOptOuts } from './opt-outs.repository';

/**
 * Recipients whose report code means they opted out (257) go on the list. Set-based, for a `full`
 * report naming up to 1,000 of them: the numbers' lock stripes in one statement, then the events, the
 * check for later ones and the list written 500 rows per statement (issue 13 item 4). The same rules as
 * recordOptOutChange otherwise: a retried report is a duplicate, and an event older than the number's
 * latest changes nothing.
 *
 * A number listed under two opt-out codes of one report (OPT_OUT_DELIVERY_CODES=257,258) gets an event
 * for each, as it would from two recipient reports: each is a fact Sinch told us, and its key (batch and
 * code) makes it a duplicate only when that same code comes again. Of one number's events the one later
 * in the report decides (same time, later id), so the list shows the last code, as applying them one by
 * one would leave it.
 */
export async function applyOptOutCodes(
  trx: Handle,
  batchId: string,
  updates: readonly RecipientUpdate[],
  now: string,
  rules: OptOutRules,
  log: Logger,
): Promise<void> {
  const byNumberAndCode = new Map<string, RecipientUpdate>();
  for (const u of updates) {
    if (u.code === null || !rules.deliveryCodes.has(u.code) || !MSISDN_DIGITS.test(u.msisdn)) continue;
    const key = `${u.msisdn}|${u.code}`;
    if (!byNumberAndCode.has(key)) byNumberAndCode.set(key, u);
  }
  if (byNumberAndCode.size === 0) return;
  // By number; a number's codes keep their order in the report (the sort is stable).
  const matching = [...byNumberAndCode.values()].sort((a, b) => a.msisdn.localeCompare(b.msisdn));
  await lockNumbers(
    trx,
    matching.map((u) => u.msisdn),
  );
  // Ids in that order: of one number's events (at the same time) the later in the report outranks.
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
  const byId = new Map(events.map((event) => [event.id, event]));
  // One row per number for the list (a statement may not upsert a row twice): its deciding event.
  const deciding = new Map<string, (typeof events)[number]>();
  for (const row of inserted) {
    const event = byId.get(row.id);
    if (event && !stale.has(row.id)) deciding.set(event.msisdn, event);
  }
  await upsertOptOuts(
    trx,
    [...deciding.values()].map((event) => ({
      msisdn: event.msisdn,
      source: 'delivery_code',
      reason: event.reason,
      reference: batchId,
      created_at: now,
      updated_at: now,
    })),
  );
  await emitEvents(
    trx,
    'opt_out.changed',
    [...deciding.values()].map((event) => ({
      data: {
        msisdn: `+${event.msisdn}`,
        action: 'opt_out' as const,
        source: 'delivery_code' as const,
        reason: event.reason,
        reference: batchId,
        occurredAt: event.occurred_at,
        messageId: null,
        batchId,
        clientReference: null,
      },
      dedupeKey: `opt_out:${event.msisdn}:${event.event_key}`,
    })),
    now,
  );
  const insertedIds = new Set(inserted.map((row) => row.id));
  for (const event of events) {
    const result = !insertedIds.has(event.id) ? 'duplicate' : stale.has(event.id) ? 'stale' : 'applied';
    const fields = { batchId, number: `+${event.msisdn}`, code: Number(event.reason), result };
    log.info(fields, 'number opted out by delivery code');
  }
}

/** The opt-out codes as tracking's report hook: applied with every report, posted or fetched. */
export function optOutCodeHook(rules: OptOutRules): ReportHook {
  return (trx, batchId, updates, now, log) => applyOptOutCodes(trx, batchId, updates, now, rules, log);
}
