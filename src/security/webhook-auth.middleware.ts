import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config';
import { AppError } from '../core/errors';
import type { Logger } from '../logger';
import { hasSignature, type SignatureFailure, verifySinchSignature } from '../sinch/signing';
import { basicAuthMatches } from './basic-auth';

export type RefusalReason = SignatureFailure | 'missing credentials' | 'bad basic credentials';

export type WebhookAuthCheck = { ok: true } | { ok: false; reason: RefusalReason };

/** True when at least one way of authenticating callbacks is configured. */
export function webhookAuthConfigured(auth: Config['webhookAuth']): boolean {
  return auth.hmacSecrets.length > 0 || auth.basicCredentials.length > 0;
}

/**
 * The check of one callback: HMAC signature or Basic credentials, whichever passes (Sinch sends one or
 * the other depending on how the account is set up). With neither configured every callback passes.
 * `nowMs` is the time the freshness of the signature is judged at: now on the live path, the time it
 * arrived when a quarantined callback is verified again.
 */
export function checkWebhookAuth(
  auth: Config['webhookAuth'],
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  nowMs?: number,
): WebhookAuthCheck {
  const hmac = auth.hmacSecrets.length > 0;
  const basic = auth.basicCredentials.length > 0;
  if (!hmac && !basic) return { ok: true };
  if (basic && basicAuthMatches(headers, auth.basicCredentials)) return { ok: true };
  if (hmac && hasSignature(headers)) {
    return verifySinchSignature(headers, rawBody, {
      secrets: auth.hmacSecrets,
      maxAgeSeconds: auth.maxAgeSeconds,
      maxClockSkewSeconds: auth.maxClockSkewSeconds,
      ...(nowMs === undefined ? {} : { nowMs }),
    });
  }
  return {
    ok: false,
    reason: basic && headers.authorization ? 'bad basic credentials' : 'missing credentials',
  };
}

/** What the quarantine is told of a refused callback: the headers it came with and its request's logger. */
export type RefusedRequest = { headers: IncomingHttpHeaders; log: Logger };

/** Told of every refused callback before it is answered 401 (the quarantine keeps it); must not throw. */
export type OnRefused = (req: RefusedRequest, reason: RefusalReason, rawBody: Buffer) => Promise<void>;

/** A refusal as it is answered: the error, and the challenge header when Basic credentials are accepted. */
export type WebhookRefusal = { error: AppError; headers: Record<string, string> };

/**
 * Checks a callback before its body is parsed or stored, over the exact bytes Sinch sent (so the HMAC
 * runs on them); undefined when it passes. Framework-free: the Express route and the fast path for
 * POST /webhooks/dlr both call it. server.ts warns at start-up when no check is configured.
 */
export function webhookAuthGate(auth: Config['webhookAuth'], onRefused?: OnRefused) {
  const hmac = auth.hmacSecrets.length > 0;
  const basic = auth.basicCredentials.length > 0;
  const accepted = [...(hmac ? ['hmac'] : []), ...(basic ? ['basic'] : [])];
  return async (req: RefusedRequest, rawBody: Buffer): Promise<WebhookRefusal | undefined> => {
    if (!hmac && !basic) return undefined;
    const check = checkWebhookAuth(auth, req.headers, rawBody);
    if (check.ok) return undefined;
    const { reason } = check;
    // Sinch never retries a 4xx: say clearly why, and keep the callback to verify again later.
    req.log.warn({ reason, accepted }, `callback refused: ${reason}`);
    await onRefused?.(req, reason, rawBody);
    return {
      error: new AppError('UNAUTHORIZED', 'The callback could not be authenticated.'),
      headers: basic ? { 'WWW-Authenticate': 'Basic realm="sinch-callbacks"' } : {},
    };
  };
}
