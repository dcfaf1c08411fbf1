import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AppError } from '../core/errors';
import { checkApiKey } from './api-keys.middleware';

// Counters live in this process: a per-minute throttle that resets on restart is fine. The limits that
// must hold across instances (per number, per day) are counted in the database (send-limits.service.ts).

/**
 * At most `perMinute` requests a minute per API key, or per client IP for a request without a valid
 * key (so guessing keys is throttled too); `[]` when the limit is off. Mount it before the key check.
 */
export function clientRateLimit(
  perMinute: number,
  apiKeys: readonly string[],
  what: string,
): RequestHandler[] {
  if (perMinute === 0) return [];
  return [
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => {
        const check = checkApiKey(req, apiKeys);
        // A fingerprint, never the key: the store's keys may be inspected or logged.
        return check.ok && check.keyId ? `key:${check.keyId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
      },
      handler: (req, _res, next) => {
        req.log.warn({ limit: perMinute }, `rate limit reached on ${what}`);
        next(new AppError('RATE_LIMITED', `Too many ${what} requests: at most ${perMinute} a minute.`));
      },
    }),
  ];
}
