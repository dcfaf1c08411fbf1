import express, { Router } from 'express';
import { AppError } from '../http/errors';
import { validate } from '../http/validate';
import { idempotency } from '../idempotency/idempotency.middleware';
import type { Metrics } from '../metrics/metrics';
import { requireApiKey } from '../security/api-keys.middleware';
import { clientRateLimit } from '../security/rate-limits';
import type { SendGuard } from '../security/send-limits.service';
import { sendSmsBodySchema } from './send-sms.schemas';
import { type SendSmsDeps, sendSms } from './send-sms.service';

export function sendSmsRoutes(deps: SendSmsDeps & { sendGuard: SendGuard; metrics: Metrics }): Router {
  const router = Router();
  const { apiKeys, rateLimitSendPerMinute } = deps.config;

  // Throttle, then authenticate, then read the body: a refused request costs as little as possible.
  router.post(
    '/send-sms',
    (_req, res, next) => {
      res.on('finish', () =>
        deps.metrics.sendRequests.inc({ status: String(res.statusCode), code: res.locals.errorCode ?? '' }),
      );
      next();
    },
    ...clientRateLimit(rateLimitSendPerMinute, apiKeys, 'send'),
    requireApiKey(apiKeys),
    express.json({ limit: '64kb' }),
    // A replay answers before the limits: it sends nothing, so it must not count as a send.
    idempotency({ db: deps.db, ttlMs: deps.config.idempotencyTtlMs }),
    async (req, res) => {
      if (!req.is('application/json')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
      }
      const body = validate(sendSmsBodySchema, req.body);
      // Every abuse limit is checked before the message is stored or Sinch is called.
      const refusal = await deps.sendGuard.check(body.to, req.log);
      if (refusal) {
        if (refusal.retryAfterSeconds !== undefined)
          res.set('Retry-After', String(refusal.retryAfterSeconds));
        throw refusal.error;
      }
      const result = await sendSms(deps, body, req.log);
      res.status(202).json({ message: 'SMS send request accepted by Sinch.', ...result });
    },
  );

  return router;
}
