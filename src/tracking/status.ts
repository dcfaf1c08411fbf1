import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The forward-only status machine of a recipient, all of it in this file. A status may only be replaced
 * by one of a higher rank, or, within the same rank, by a report Sinch stamped later. Our own send
 * lifecycle sits below everything Sinch reports, so a report that beats our own write still wins.
 */

/** Statuses of our own, before Sinch has said anything about delivery. */
export const SEND_STATUS = {
  pending: 'Pending',
  sent: 'Sent',
  /** Sinch failed or did not answer: it may still have accepted the batch, so reports can follow. */
  failed: 'SendFailed',
  /** Sinch refused the batch (4xx): nothing was sent. */
  refused: 'SendRefused',
  /**
   * The batch expired without a final report, even after asking Sinch. Not final: a report that
   * still comes later is applied.
   */
  noReport: 'NoReport',
} as const;

const RANKS: Record<string, number> = {
  [SEND_STATUS.pending]: 0,
  [SEND_STATUS.failed]: 0,
  [SEND_STATUS.refused]: 0,
  [SEND_STATUS.sent]: 1,
  Queued: 2,
  Dispatched: 3,
  [SEND_STATUS.noReport]: 3,
};

/** Every status Sinch sends other than Queued and Dispatched is final, unknown strings included. */
export const FINAL_RANK = 4;

export function statusRank(status: string): number {
  return RANKS[status] ?? FINAL_RANK;
}

export function isFinal(status: string): boolean {
  return statusRank(status) === FINAL_RANK;
}

/**
 * What a message with several recipients shows: the shared status when all agree, the least advanced
 * status while any recipient is still in flight, else `Completed`.
 */
export function messageStatus(recipientStatuses: string[]): string {
  const [first] = recipientStatuses;
  if (first === undefined) return SEND_STATUS.pending;
  if (recipientStatuses.every((s) => s === first)) return first;
  const open = recipientStatuses.filter((s) => !isFinal(s));
  if (open.length === 0) return 'Completed';
  return open.reduce((least, s) => (statusRank(s) < statusRank(least) ? s : least));
}

/**
 * The three forms the rule takes, one prepared statement each: a report without Sinch's time (it can
 * only advance the rank), and a timed intermediate or final one (which may also replace a status of
 * the same rank).
 */
export type ForwardShape = 'untimed' | 'intermediate' | 'final';

export function forwardShape(status: string, at: string | null): ForwardShape {
  if (at === null) return 'untimed';
  return isFinal(status) ? 'final' : 'intermediate';
}

/**
 * The rule as the WHERE clause of the recipient's UPDATE, so that concurrent copies of a report cannot
 * both pass it: a higher rank wins; within a rank a different status wins only if Sinch stamped it later.
 */
export function movesForward(
  eb: ExpressionBuilder<Database, 'recipients'>,
  shape: ForwardShape,
  next: { status: string; rank: number; at: string | null },
): Expression<SqlBool> {
  const advances = eb('status_rank', '<', next.rank);
  if (shape === 'untimed') return advances;
  const later = eb('status_at', '<', next.at);
  return eb.or([
    advances,
    eb.and([
      eb('status_rank', '=', next.rank),
      eb('status', '<>', next.status),
      // Between two final statuses only Sinch's clock decides; an intermediate status with no time
      // (from a `full` report) gives way to one that has a time.
      shape === 'intermediate'
        ? eb.or([eb('status_at', 'is', null), later])
        : eb.and([eb('status_at', 'is not', null), later]),
    ]),
  ]);
}
