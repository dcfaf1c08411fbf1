import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { AppError } from '../core/errors';
import { hasSignature, type SignatureFailure, verifySinchSignature } from '../sinch/signing';
import { basicAuthMatches } from './basic-auth';

type RefusalReason = SignatureFailure | 'missing credentials' | 'bad basic credentials';

/** True when at least one way of authenticating callbacks is configured. */
export function webhookAuthConfigured(auth: Config['webhookAuth']): boolean {
  return auth.hmacSecrets.length > 0 || auth.basicCredentials.length > 0;
}

/**
 * Checks a callback before its body is parsed or stored; mount it after `express.raw` so the HMAC
 * runs over the exact bytes Sinch sent. A callback passing either check (HMAC signature or Basic
 * credentials) is accepted: Sinch sends one or the other depending on how the account is set up.
 * With neither configured every callback passes (server.ts warns at start-up).
 */
export function requireWebhookAuth(auth: Config['webhookAuth']): RequestHandler {
  const hmac = auth.hmacSecrets.length > 0;
  const basic = auth.basicCredentials.length > 0;
  return (req, res, next) => {
    if (!hmac && !basic) {
      next();
      return;
    }
    if (basic && basicAuthMatches(req.headers, auth.basicCredentials)) {
      next();
      return;
    }
    let reason: RefusalReason;
    if (hmac && hasSignature(req.headers)) {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifySinchSignature(req.headers, rawBody, {
        secrets: auth.hmacSecrets,
        maxAgeSeconds: auth.maxAgeSeconds,
      });
      if (check.ok) {
        next();
        return;
      }
      reason = check.reason;
    } else {
      reason = basic && req.headers.authorization ? 'bad basic credentials' : 'missing credentials';
    }
    // Sinch never retries a 4xx: a refused genuine callback is lost, so say clearly why.
    req.log.warn(
      { reason, accepted: [...(hmac ? ['hmac'] : []), ...(basic ? ['basic'] : [])] },
      `callback refused: ${reason}`,
    );
    if (basic) res.set('WWW-Authenticate', 'Basic realm="sinch-callbacks"');
    next(new AppError('UNAUTHORIZED', 'The callback could not be authenticated.'));
  };
}
