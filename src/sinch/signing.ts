import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { matchesAnySecret } from '../core/secret-compare';

/**
 * Sinch's HMAC over SMS callbacks, in one place: the verifier of POST /webhooks/dlr, the emulator
 * that signs the callbacks it sends and the test helpers all use this module (docs/sinch-sms-api.md §6).
 */

/** Headers Sinch signs a callback with (names in lower case, as Node hands them over). */
export const SIGNATURE_HEADERS = {
  signature: 'x-sinch-webhook-signature',
  algorithm: 'x-sinch-webhook-signature-algorithm',
  nonce: 'x-sinch-webhook-signature-nonce',
  timestamp: 'x-sinch-webhook-signature-timestamp',
} as const;

/** The value Sinch puts in the algorithm header. */
export const SIGNATURE_ALGORITHM = 'HmacSHA256';

/** How far ahead of our clock a timestamp may be unless told otherwise (WEBHOOK_MAX_CLOCK_SKEW_SECONDS). */
export const MAX_CLOCK_SKEW_SECONDS = 3600;

export type SignatureFailure =
  | 'missing signature header'
  | 'missing nonce or timestamp header'
  | 'unsupported algorithm'
  | 'malformed timestamp'
  | 'bad signature'
  | 'stale timestamp'
  | 'timestamp in the future';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

export type SignatureOptions = {
  /** Accepted secrets; several while one is being rotated. */
  secrets: readonly string[];
  /** Oldest timestamp accepted, in seconds; 0 switches the freshness check off. */
  maxAgeSeconds: number;
  /** How far ahead of `nowMs` a timestamp may be, in seconds; checked with the age. */
  maxClockSkewSeconds?: number;
  /** Current time in milliseconds; injectable for tests. */
  nowMs?: number;
};

/**
 * Sinch's SMS callback signature: base64(HMAC-SHA256(utf8(secret), rawBody + "." + nonce + "." + timestamp)).
 * The body is the exact bytes sent: a re-serialised body (JSON.parse then stringify) does not match.
 */
export function signSinchCallback(
  secret: string,
  rawBody: Buffer | string,
  nonce: string,
  timestamp: string,
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .update(`.${nonce}.${timestamp}`, 'utf8')
    .digest('base64');
}

/** The four headers of a signed callback, for a given nonce and timestamp (Unix seconds). */
export function sinchSignatureHeaders(
  secret: string,
  rawBody: Buffer | string,
  nonce: string,
  timestamp: string,
): Record<string, string> {
  return {
    [SIGNATURE_HEADERS.signature]: signSinchCallback(secret, rawBody, nonce, timestamp),
    [SIGNATURE_HEADERS.algorithm]: SIGNATURE_ALGORITHM,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
  };
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when the request carries Sinch's signature header, whatever its value. */
export function hasSignature(headers: IncomingHttpHeaders): boolean {
  return single(headers, SIGNATURE_HEADERS.signature) !== undefined;
}

/**
 * Verifies Sinch's HMAC signature over the raw body against every configured secret, in constant
 * time, then the timestamp's freshness (only for a genuine signature, so "stale" is never a guess).
 * Never throws; the failure reason is safe to log and names no secret.
 */
export function verifySinchSignature(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  options: SignatureOptions,
): SignatureCheck {
  const signature = single(headers, SIGNATURE_HEADERS.signature);
  const nonce = single(headers, SIGNATURE_HEADERS.nonce);
  const timestamp = single(headers, SIGNATURE_HEADERS.timestamp);
  const algorithm = single(headers, SIGNATURE_HEADERS.algorithm);
  if (!signature) return { ok: false, reason: 'missing signature header' };
  if (nonce === undefined || !timestamp) return { ok: false, reason: 'missing nonce or timestamp header' };
  // Sinch sends HmacSHA256; the SDKs tolerate its absence, and so do we.
  if (algorithm !== undefined && algorithm.toLowerCase() !== SIGNATURE_ALGORITHM.toLowerCase()) {
    return { ok: false, reason: 'unsupported algorithm' };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };

  // Every secret is tried, even after a match, so timing says nothing of which one (or whether) matched.
  let valid = false;
  for (const secret of options.secrets) {
    const expected = signSinchCallback(secret, rawBody, nonce, timestamp);
    valid = matchesAnySecret(signature, [expected]) || valid;
  }
  if (!valid) return { ok: false, reason: 'bad signature' };

  if (options.maxAgeSeconds > 0) {
    const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
    const age = nowSeconds - Number(timestamp);
    if (age > options.maxAgeSeconds) return { ok: false, reason: 'stale timestamp' };
    const skew = options.maxClockSkewSeconds ?? MAX_CLOCK_SKEW_SECONDS;
    if (age < -skew) return { ok: false, reason: 'timestamp in the future' };
  }
  return { ok: true };
}
