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

const SENT_RANK = statusRank(SEND_STATUS.sent);

/**
 * The rank is written into the statement, not bound: a bound value compared with `status_rank` (the
 * column of the partial index recipients_open) makes SQLite prepare the statement again at every run,
 * to decide whether that index applies to the new value.
 */
const markSent = preparedQuery((db, v: { messageId: string; now: string; status: string }) =>
  db
    .updateTable('recipients')
    .set((eb) => ({ status: v.status, status_rank: eb.lit(SENT_RANK), updated_at: v.now }))
    .where('message_id', '=', v.messageId)
    .where((eb) => eb('status_rank', '<', eb.lit(SENT_RANK))),
);

/** Recipients per statement when many share one status: far under either database's parameter limit. */
const SET_CHUNK = 500;

/**
 * applyRecipientUpdate for a whole report, the same rule and the same results in the same order, but
 * set-based: updates that share status, code and times (a `full` report's status entry names up to
 * 1,000 recipients) are one UPDATE … RETURNING and one INSERT of history per 500 recipients, not two
 * statements each. A number named twice in one entry counts once; its second copy is ignored.
 */
export async function applyRecipientUpdates(
  db: Handle,
  messageId: string,
  updates: readonly RecipientUpdate[],
  now: string,
): Promise<UpdateResult[]> {
  const results: UpdateResult[] = [];
  const groups = new Map<string, number[]>();
  for (const [i, u] of updates.entries()) {
    const key = JSON.stringify([u.status, u.code, u.at, u.operatorStatusAt]);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  for (const indexes of groups.values()) {
    const first = updates[indexes[0] as number] as RecipientUpdate;
    if (indexes.length === 1) {
      results[indexes[0] as number] = await applyRecipientUpdate(db, messageId, first, now);
      continue;
    }
    const numbers = [...new Set(indexes.map((i) => (updates[i] as RecipientUpdate).msisdn))];
    const found = new Map<string, UpdateResult>();
    for (let c = 0; c < numbers.length; c += SET_CHUNK) {
      const chunk = numbers.slice(c, c + SET_CHUNK);
      for (const [msisdn, result] of await applyToMany(db, messageId, first, chunk, now))
        found.set(msisdn, result);
    }
    const seen = new Set<string>();
    for (const i of indexes) {
      const { msisdn } = updates[i] as RecipientUpdate;
      const result = found.get(msisdn) ?? 'unknown_recipient';
      results[i] = seen.has(msisdn) && result === 'applied' ? 'ignored' : result;
      seen.add(msisdn);
    }
  }
  return results;
}

async function applyToMany(
  db: Handle,
  messageId: string,
  update: RecipientUpdate,
  msisdns: string[],
  now: string,
): Promise<Map<string, UpdateResult>> {
  const rank = statusRank(update.status);
  const shape = forwardShape(update.status, update.at);
  const applied = await db
    .updateTable('recipients')
    .set({
      status: update.status,
      status_rank: rank,
      code: update.code,
      status_at: update.at,
      operator_status_at: update.operatorStatusAt,
      updated_at: now,
    })
    .where('message_id', '=', messageId)
    .where('msisdn', 'in', msisdns)
    .where((eb) => movesForward(eb, shape, { ...update, rank }))
    .returning('msisdn')
    .execute();
  const results = new Map<string, UpdateResult>(applied.map((row) => [row.msisdn, 'applied']));
  if (applied.length > 0) {
    await db
      .insertInto('recipient_events')
      .values(
        applied.map((row) => ({
          id: newId(),
          message_id: messageId,
          msisdn: row.msisdn,
          event_key: `${update.status}|${update.code}|${update.at ?? ''}`,
          status: update.status,
          code: update.code,
          at: update.at,
          operator_status_at: update.operatorStatusAt,
          applied_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['message_id', 'msisdn', 'event_key']).doNothing())
      .execute();
  }
  const rest = msisdns.filter((msisdn) => !results.has(msisdn));
  if (rest.length > 0) {
    const existing = await db
      .selectFrom('recipients')
      .select('msisdn')
      .where('message_id', '=', messageId)
      .where('msisdn', 'in', rest)
      .execute();
    for (const row of existing) results.set(row.msisdn, 'ignored');
  }
  return results;
}

/** Sinch accepted the batch: every recipient not yet further along becomes Sent. */
export async function markRecipientsSent(trx: Handle, messageId: string, now: string): Promise<void> {
  await markSent(trx, { messageId, now, status: SEND_STATUS.sent });
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
