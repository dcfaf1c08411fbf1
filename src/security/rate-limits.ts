import type { Request, RequestHandler } from 'express';
import {
  type IncrementResponse,
  ipKeyGenerator,
  type RateLimitInfo,
  rateLimit,
  type Store,
} from 'express-rate-limit';
import { AppError } from '../core/errors';
import { checkApiKey, requireApiKey } from './api-keys.middleware';
import type { RateLimitStores } from './rate-limit-store';

// Counted in a store every instance shares (the database, or Redis when REDIS_URL is set), so N instances
// behind a balancer give a client the limit once, not N times.

/**
 * At most `perMinute` requests a minute per API key, or per client IP for a request without a valid
 * key (so guessing keys is throttled too); `[]` when the limit is off. Mount it before the key check.
 * `name` keys the store (one per route family), `what` names it in messages.
 */
export function clientRateLimit(
  stores: RateLimitStores,
  options: { perMinute: number; apiKeys: readonly string[]; name: string; what: string },
): RequestHandler[] {
  const { perMinute, apiKeys, name, what } = options;
  if (perMinute === 0) return [];
  return [
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // The check that a limiter is made at start-up, not per request, reads a stack trace, and with
      // --enable-source-maps (npm start) that parses and keeps the bundle's whole source map: about 4 MB
      // of peak RSS under load (bench/NOTES.md). Ours are all made at start-up.
      validate: { creationStack: false },
      store: failOpen(stores.create(`rl:${name}:`)),
      keyGenerator: (req) => {
        const check = checkApiKey(req, apiKeys);
        // A fingerprint, never the key: the store's keys may be inspected or logged.
        return check.ok && check.keyId ? `key:${check.keyId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
      },
      handler: (req, _res, next) => {
        // Every refused request has its one access line at warn; the reason is logged once per client
        // and window, when the refusals start, so that a flood does not double the log.
        if ((req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.used === perMinute + 1) {
          req.log.warn({ limit: perMinute, store: stores.kind }, `rate limit reached on ${what}`);
        }
        next(new AppError('RATE_LIMITED', `Too many ${what} requests: at most ${perMinute} a minute.`));
      },
    }),
  ];
}

/**
 * A store that cannot count (the database or Redis down) lets the request through: the route's own
 * storage then answers for itself, and a callback is not refused for a fault of ours. Done here rather
 * than with `passOnStoreError`, which writes to stderr on every request of an outage; the Redis client
 * logs its outage once (rate-limit-redis.ts).
 */
function failOpen(store: Store): Store {
  const allowed = (): IncrementResponse => ({ totalHits: 1, resetTime: new Date(Date.now() + 60_000) });
  return {
    localKeys: store.localKeys ?? false,
    ...(store.prefix ? { prefix: store.prefix } : {}),
    init: (options) => {
      void Promise.resolve()
        .then(() => store.init?.(options))
        .catch(() => {});
    },
    increment: (key) =>
      Promise.resolve()
        .then(() => store.increment(key))
        .catch(allowed),
    decrement: (key) =>
      Promise.resolve()
        .then(() => store.decrement(key))
        .catch(() => {}),
    resetKey: (key) =>
      Promise.resolve()
        .then(() => store.resetKey(key))
        .catch(() => {}),
  };
}

/**
 * What guards the read API (/messages, /opt-outs, /events, /event-endpoints): one per-minute budget per
 * key (per IP for a wrong key, so guessing keys ends in 429), then the key itself. Built once in app.ts.
 */
export function apiGuard(
  stores: RateLimitStores,
  config: { rateLimitApiPerMinute: number; apiKeys: readonly string[] },
): RequestHandler[] {
  return [
    ...clientRateLimit(stores, {
      perMinute: config.rateLimitApiPerMinute,
      apiKeys: config.apiKeys,
      name: 'api',
      what: 'API',
    }),
    requireApiKey(config.apiKeys),
  ];
}
