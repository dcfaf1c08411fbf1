import type { Db } from '../db/database';
import type { Logger } from '../logger';

/** Outcomes of callbacks kept without being applied: they wait to be reapplied, so they are kept longer. */
export const UNAPPLIED_OUTCOMES = ['unknown_type', 'unmatched', 'invalid'] as const;

/** Rows one DELETE removes at most; between two, other work gets the database (and, on SQLite, the loop). */
const PURGE_BATCH = 1_000;

export type CallbackRetention = {
  /** Applied (and duplicate, summary, inbound) callbacks older than this are deleted; 0: never. */
  appliedMs: number;
  /** Unapplied ones older than this are deleted; 0: never. */
  unappliedMs: number;
  /** Unapplied payloads together at most, in bytes; 0: no bound. */
  unappliedMaxBytes: number;
};

/**
 * What the log keeps of unapplied payloads, as this instance knows it: measured by each purge and
 * counted up by the writer between two. Once it is over the bound, an unknown or invalid callback is
 * stored without its payload (the row, its type and batch id stay) until a purge made room.
 */
export type UnappliedBudget = { maxBytes: number; keptBytes: number };

export const newBudget = (maxBytes: number): UnappliedBudget => ({ maxBytes, keptBytes: 0 });

/** The smallest UUIDv7 of a millisecond: every id made at or after `ms` sorts after it (core/ids.ts). */
function firstIdAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Deletes, 1,000 at a time and oldest first, the callbacks before `beforeId` with (or without) these outcomes. */
async function deleteOlder(db: Db, beforeId: string, unapplied: boolean): Promise<number> {
  let deleted = 0;
  for (;;) {
    const oldest = db
      .selectFrom('callbacks')
      .select('id')
      .where('id', '<', beforeId)
      .where('outcome', unapplied ? 'in' : 'not in', UNAPPLIED_OUTCOMES)
      .orderBy('id')
      .limit(PURGE_BATCH);
    const result = await db.deleteFrom('callbacks').where('id', 'in', oldest).executeTakeFirst();
    const count = Number(result.numDeletedRows);
    deleted += count;
    if (count < PURGE_BATCH) return deleted;
    await nextTurn();
  }
}

async function unappliedBytes(db: Db): Promise<number> {
  const row = await db
    .selectFrom('callbacks')
    .select((eb) => eb.fn.sum<string | number | null>('payload_bytes').as('bytes'))
    .where('outcome', 'in', UNAPPLIED_OUTCOMES)
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

/** Deletes the oldest unapplied callbacks until their payloads fit `maxBytes`; returns what is kept. */
async function trimToSize(
  db: Db,
  maxBytes: number,
  kept: number,
): Promise<{ kept: number; deleted: number }> {
  let deleted = 0;
  while (kept > maxBytes) {
    const oldest = await db
      .selectFrom('callbacks')
      .select(['id', 'payload_bytes'])
      .where('outcome', 'in', UNAPPLIED_OUTCOMES)
      .orderBy('id')
      .limit(PURGE_BATCH)
      .execute();
    if (oldest.length === 0) return { kept: 0, deleted };
    const ids: string[] = [];
    for (const row of oldest) {
      if (kept <= maxBytes) break;
      ids.push(row.id);
      kept -= row.payload_bytes ?? 0;
    }
    await db.deleteFrom('callbacks').where('id', 'in', ids).execute();
    deleted += ids.length;
    await nextTurn();
  }
  return { kept, deleted };
}

export type PurgeResult = { applied: number; unapplied: number; keptUnappliedBytes: number };

/**
 * One purge of the callback log (issue 13 item 3): applied callbacks past their retention, unapplied
 * ones past theirs, then the oldest unapplied ones until their payloads fit the bound. What becomes of
 * a message stays in messages, recipients and their history; only the raw callbacks go.
 */
export async function purgeCallbacks(
  db: Db,
  retention: CallbackRetention,
  budget: UnappliedBudget,
  nowMs: number,
): Promise<PurgeResult> {
  const applied =
    retention.appliedMs > 0 ? await deleteOlder(db, firstIdAt(nowMs - retention.appliedMs), false) : 0;
  let unapplied =
    retention.unappliedMs > 0 ? await deleteOlder(db, firstIdAt(nowMs - retention.unappliedMs), true) : 0;
  let kept = await unappliedBytes(db);
  if (retention.unappliedMaxBytes > 0) {
    const trimmed = await trimToSize(db, retention.unappliedMaxBytes, kept);
    kept = trimmed.kept;
    unapplied += trimmed.deleted;
  }
  budget.keptBytes = kept;
  return { applied, unapplied, keptUnappliedBytes: kept };
}

/** Runs a purge at start and every `intervalMs` until stopped; each result goes to `report`. */
export function startCallbackPurge(
  deps: { db: Db; retention: CallbackRetention; budget: UnappliedBudget; log: Logger },
  intervalMs: number,
  report: (result: PurgeResult) => void,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = purgeCallbacks(deps.db, deps.retention, deps.budget, Date.now())
      .then((result) => {
        report(result);
        if (result.applied + result.unapplied > 0) deps.log.info(result, 'callback log purged');
      })
      .catch((err) => deps.log.error({ err }, 'callback log purge failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

const DROPPED = 'payload not kept: the unapplied callbacks reached CALLBACK_UNAPPLIED_MAX_MB';

/**
 * The payload a callback is stored with, and its size. An unknown or invalid one arriving while the
 * unapplied callbacks are over their bound is kept without its payload (its row, type and batch id
 * stay); a report waiting for its batch (`unmatched`) always keeps its own, which it is applied from.
 */
export function payloadToStore(
  budget: UnappliedBudget | undefined,
  outcome: string,
  raw: string,
): { payload: string; payload_bytes: number; problem?: string } {
  const bytes = Buffer.byteLength(raw);
  if (!budget || !(UNAPPLIED_OUTCOMES as readonly string[]).includes(outcome)) {
    return { payload: raw, payload_bytes: bytes };
  }
  if (outcome !== 'unmatched' && budget.maxBytes > 0 && budget.keptBytes >= budget.maxBytes) {
    return { payload: '', payload_bytes: 0, problem: DROPPED };
  }
  budget.keptBytes += bytes;
  return { payload: raw, payload_bytes: bytes };
}
