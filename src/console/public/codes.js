// What Sinch's statuses and delivery codes mean, in words (facts from Sinch's SMS API docs, our phrasing).

/** Our statuses before Sinch reports, and Sinch's simplified statuses. */
export const STATUS_MEANING = {
  Pending: 'Stored here; not yet handed to Sinch.',
  Sent: 'Sinch accepted the batch; no delivery report yet.',
  SendFailed: 'Sinch failed or did not answer; it may still have taken the batch.',
  SendRefused: 'Sinch refused the batch: nothing was sent.',
  NoReport: 'The batch expired with no final report from Sinch.',
  Queued: 'Waiting at Sinch to go out at the account’s rate.',
  Dispatched: 'Handed to the operator (SMSC), which accepted it.',
  Delivered: 'The handset received it.',
  Failed: 'It could not be delivered.',
  Expired: 'It expired before it could be delivered.',
  Rejected: 'The operator refused it.',
  Aborted: 'Stopped at Sinch before it reached the operator.',
  Cancelled: 'Cancelled before it reached the operator.',
  Deleted: 'Removed by the operator (often an invalid or opted-out number).',
  Unknown: 'Given to the operator, but no usable receipt came back.',
  Completed: 'Every recipient has a final status.',
};

/** Sinch's own delivery codes (400–418) and the operator codes seen most. */
const CODE_MEANING = {
  0: 'no error',
  400: 'queued at Sinch',
  401: 'dispatched to the operator',
  402: 'unroutable: the operator refused it and a retry would fail the same way',
  403: 'internal error at Sinch',
  404: 'temporary delivery failure, can be retried',
  405: 'no parameter value for this recipient',
  406: 'expired at Sinch before reaching the operator',
  407: 'cancelled before reaching the operator',
  408: 'rejected inside Sinch',
  409: 'price threshold exceeded',
  410: 'no default originator matched',
  411: 'more message parts than allowed',
  412: 'region not provisioned on the account',
  413: 'account blocked (possibly out of credit)',
  414: 'bad media (MMS)',
  415: 'delivery receipt: rejected (MMS)',
  416: 'delivery receipt: not supported (MMS)',
  417: 'delivery receipt: unreachable (MMS)',
  418: 'delivery receipt: unrecognised (MMS)',
  60: 'originator blocked by the operator',
  62: 'blocked by a keyword or spam filter',
  64: 'blocked: quota or sending limit exceeded',
  150: 'unknown subscriber',
  151: 'call barred',
  153: 'subscriber absent',
  159: 'subscriber not reachable',
  257: 'the recipient opted out (STOP)',
};

/** "401 — dispatched to the operator", or the bare code when we do not know it. */
export function explainCode(code) {
  if (code === null || code === undefined) return '';
  const meaning = CODE_MEANING[code];
  return meaning ? `${code} — ${meaning}` : `${code} — operator code`;
}

export const FINAL_STATUSES = new Set([
  'Delivered',
  'Failed',
  'Expired',
  'Rejected',
  'Aborted',
  'Cancelled',
  'Deleted',
  'Unknown',
  'SendRefused',
  'Completed',
]);
