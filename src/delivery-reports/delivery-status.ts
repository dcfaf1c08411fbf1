/**
 * The forward-only status machine of a recipient. A status may only be replaced by one of a higher
 * rank, or, within the same rank, by a report Sinch stamped later. Our own send lifecycle sits
 * below everything Sinch reports, so a report that beats our own write still wins.
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
