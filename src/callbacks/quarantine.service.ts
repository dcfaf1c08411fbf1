import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config';
import { newId } from '../core/ids';
import type { Db } from '../db/database';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import {
  type BasicCredential,
  checkWebhookAuth,
  type OnRefused,
  parseBasicAuth,
  type WebhookAuthCheck,
  webhookAuthConfigured,
} from '../security';
import { SIGNATURE_HEADERS } from '../sinch/signing';
import { type Applier, storeAndApply } from './callback-writer';
import {
  keepInQuarantine,
  purgeExpired,
  quarantinedAfter,
  setQuarantineReason,
  takeFromQuarantine,
} from './quarantine.repository';
import type { OutcomeCounts } from './reapply.service';

/**
 * Callbacks refused with 401 are kept, bounded, so that a wrong or half-rotated secret (or a clock
 * further ahead than the skew allows) loses nothing for good: `npm run callbacks -- reapply` verifies
 * them again with the secrets configured then, and applies those that pass.
 */

/** The headers the check reads, as stored: the signature headers as sent, Basic credentials only hashed. */
type StoredHeaders = Partial<Record<(typeof SIGNATURE_HEADERS)[keyof typeof SIGNATURE_HEADERS], string>> & {
  basic_sha256?: string;
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const basicDigest = ({ username, password }: BasicCredential) => sha256(`${username}:${password}`);

function storedHeaders(headers: IncomingHttpHeaders): StoredHeaders {
  const kept: StoredHeaders = {};
  for (const name of Object.values(SIGNATURE_HEADERS)) {
    const value = headers[name];
    const single = Array.isArray(value) ? value[0] : value;
    // A genuine value is short; a longer one cannot pass, and is kept cut to bound the row.
    if (single !== undefined) kept[name] = single.slice(0, 512);
  }
  const basic = parseBasicAuth(headers);
  if (basic) kept.basic_sha256 = basicDigest(basic);
  return kept;
}

/** The route's hook: counts the refusal and keeps the callback, never failing the 401 it precedes. */
export function quarantineRefused(db: Db, config: Config, metrics: Metrics): OnRefused {
  const limits = config.callbackQuarantine;
  return async (req, reason, rawBody) => {
    metrics.callbackAuthFailures.inc({ reason });
    if (limits.maxRows === 0) return;
    const headers = JSON.stringify(storedHeaders(req.headers));
    const body = rawBody.toString('base64');
    const row = { id: newId(), received_at: new Date().toISOString(), reason, headers, body };
    try {
      await keepInQuarantine(db, { ...row, bytes: body.length + headers.length }, limits);
    } catch (err) {
      req.log.error({ err, reason }, 'a refused callback could not be kept in the quarantine');
    }
  };
}

/** The check as the live route made it, with today's secrets, judged at the time the callback arrived. */
function verifyAgain(
  auth: Config['webhookAuth'],
  stored: StoredHeaders,
  body: Buffer,
  at: number,
): WebhookAuthCheck {
  const { basic_sha256: basic, ...signature } = stored;
  if (basic && auth.basicCredentials.some((pair) => basicDigest(pair) === basic)) return { ok: true };
  const check = checkWebhookAuth(auth, signature, body, at);
  if (!check.ok && check.reason === 'missing credentials' && basic)
    return { ok: false, reason: 'bad basic credentials' };
  return check;
}

function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export type QuarantineReport =
  | { skipped: true }
  | { skipped: false; purged: number; outcomes: OutcomeCounts };

/**
 * Verifies every quarantined callback again; one that passes is taken out and stored and applied in
 * the same transaction, as the live route would have (received_at kept), and one that still fails
 * stays with its reason brought up to date. With no authentication configured nothing is touched: a
 * forged callback must not pass because the check was switched off.
 */
export async function reapplyQuarantined(
  db: Db,
  config: Config,
  applier: Applier,
  log: Logger,
): Promise<QuarantineReport> {
  if (!webhookAuthConfigured(config.webhookAuth)) return { skipped: true };
  const purged = await purgeExpired(db, config.callbackQuarantine);
  const outcomes: OutcomeCounts = {};
  const count = (outcome: string) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  let after = '';
  for (;;) {
    const rows = await quarantinedAfter(db, after, 100);
    for (const row of rows) {
      const body = Buffer.from(row.body, 'base64');
      const check = verifyAgain(
        config.webhookAuth,
        JSON.parse(row.headers),
        body,
        Date.parse(row.received_at),
      );
      if (!check.ok) {
        count(`still refused (${check.reason})`);
        if (check.reason !== row.reason) await setQuarantineReason(db, row.id, check.reason);
        continue;
      }
      const payload = jsonObject(body);
      if (!payload) {
        // Authentic but not a JSON object: the live route would have answered 400 and kept nothing.
        if (await takeFromQuarantine(db, row.id)) count('discarded (not a JSON object)');
        continue;
      }
      const outcome = await db.transaction().execute(async (trx) => {
        if (!(await takeFromQuarantine(trx, row.id))) return 'taken';
        const received = { payload, raw: body.toString('utf8'), log, receivedAt: row.received_at };
        return (await storeAndApply(trx, received, new Date().toISOString(), applier)).outcome;
      });
      count(outcome);
    }
    if (rows.length < 100) return { skipped: false, purged, outcomes };
    after = rows[rows.length - 1]?.id ?? after;
  }
}
