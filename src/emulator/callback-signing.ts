import { createHmac } from 'node:crypto';
import { newUlid } from './ids';

export const SIGNATURE_ALGORITHM = 'HmacSHA256';

/**
 * Sinch's SMS callback signature (docs/sinch-sms-api.md §6):
 * base64(HMAC-SHA256(utf8(secret), `${rawBody}.${nonce}.${timestamp}`)).
 */
export function signSinchCallback(secret: string, rawBody: string, nonce: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${rawBody}.${nonce}.${timestamp}`, 'utf8')
    .digest('base64');
}

/** The four `x-sinch-webhook-signature*` headers for a body, with a fresh nonce and the current time. */
export function signatureHeaders(
  secret: string,
  rawBody: string,
  nowMs: number = Date.now(),
): Record<string, string> {
  const nonce = newUlid(nowMs);
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'x-sinch-webhook-signature': signSinchCallback(secret, rawBody, nonce, timestamp),
    'x-sinch-webhook-signature-algorithm': SIGNATURE_ALGORITHM,
    'x-sinch-webhook-signature-nonce': nonce,
    'x-sinch-webhook-signature-timestamp': timestamp,
  };
}
