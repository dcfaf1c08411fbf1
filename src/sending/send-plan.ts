import type { Config } from '../config';
import { AppError, type ErrorCode } from '../core/errors';
import { normalizeMsisdn } from '../core/msisdn';
import type { Db } from '../db/database';
import type { Logger } from '../logger';
import { findOptedOut } from '../opt-outs';
import type { SendGuard } from '../security';
import { analyzeBody, type SmsEncoding } from '../sinch/encoding';
import type { SendSmsBody } from './send-sms.schemas';

export type Skipped = { to: string; code: ErrorCode; reason: string };

/** What a send would do: who gets it, who does not and why, and what it costs. */
export type SendPlan = {
  recipients: string[];
  skipped: Skipped[];
  encoding: SmsEncoding;
  /** SMS parts per recipient. */
  parts: number;
  /** The API key (fingerprint) the send is counted against. */
  keyId?: string;
  /** Set when nothing can be sent: every number was refused, or the daily cap would be passed. */
  refusal?: AppError;
};

/**
 * Decides, before anything is stored or sent, how the body will be encoded and split (as Sinch
 * does), and which numbers are refused: opted out, outside the allow-list, or over their hourly limit.
 */
export async function planSend(
  deps: { db: Db; config: Config; sendGuard: SendGuard },
  body: SendSmsBody,
  log: Logger,
  keyId?: string,
): Promise<SendPlan> {
  const { encoding, numberOfParts: parts } = analyzeBody(body.message);
  const max = deps.config.maxMessageParts;
  if (max > 0 && parts > max) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Invalid request body: message needs ${parts} ${encoding} parts; at most ${max} are allowed (MAX_MESSAGE_PARTS).`,
      [{ field: 'message', problem: `needs ${parts} parts, more than ${max}` }],
    );
  }

  const byMsisdn = new Map(body.to.map((to) => [normalizeMsisdn(to), to]));
  const optedOut = await findOptedOut(deps.db, [...byMsisdn.keys()]);
  const skipped: Skipped[] = [...optedOut].map(([msisdn, entry]) => ({
    to: byMsisdn.get(msisdn) ?? `+${msisdn}`,
    code: 'OPTED_OUT',
    reason: `The recipient opted out (${entry.source}: ${entry.reason}).`,
  }));
  const candidates = [...byMsisdn.keys()].filter((m) => !optedOut.has(m));
  const check = await deps.sendGuard.check(candidates, { parts, keyId }, log);
  for (const [msisdn, refusal] of check.refused) {
    skipped.push({
      to: byMsisdn.get(msisdn) ?? `+${msisdn}`,
      code: refusal.code,
      reason: refusal.message,
    });
  }
  const recipients = candidates.filter((m) => !check.refused.has(m)).map((m) => byMsisdn.get(m) ?? `+${m}`);

  const plan: SendPlan = { recipients, skipped, encoding, parts, ...(keyId ? { keyId } : {}) };
  if (recipients.length === 0) plan.refusal = refuseAll(skipped, check.refused, body.bulk);
  else if (check.batch) plan.refusal = check.batch;
  return plan;
}

/** Every number was refused: the answer is the first reason, with each number's in `details` for a bulk send. */
function refuseAll(skipped: Skipped[], refused: Map<string, AppError>, bulk: boolean): AppError {
  const [first] = skipped;
  if (!first) throw new Error('refuseAll needs at least one refused number');
  const retryAfter = [...refused.values()].map((r) => r.retryAfterSeconds ?? 0);
  const retryAfterSeconds =
    retryAfter.length > 0 && Math.min(...retryAfter) > 0 ? Math.min(...retryAfter) : undefined;
  const message = bulk ? `No recipient can be sent to: ${first.reason}` : first.reason;
  return new AppError(first.code, message, bulk ? { skipped } : undefined, { retryAfterSeconds });
}
