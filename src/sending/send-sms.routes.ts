import express, { type RequestHandler, Router } from 'express';
import { AppError } from '../core/errors';
import { checkCallbackUrl } from '../events';
import { verifyDepth } from '../http/json-limits';
import { validate } from '../http/validate';
import { idempotency, idempotencyOf } from '../idempotency';
import type { Metrics } from '../metrics/metrics';
import type { RateLimitStores, SendGuard } from '../security';
import { apiKeyIdOf, clientRateLimit, requireApiKey } from '../security';
import { slowestSendMs } from '../sinch/retry-policy';
import { planSend } from './send-plan';
import { sendSmsBodySchema, sendSmsQuerySchema } from './send-sms.schemas';
import { type SendSmsDeps, sendSms } from './send-sms.service';

/**
 * The query is checked before the Idempotency-Key is looked at: a misspelt `?dry_run=true` must be a
 * 400, not a real send, and must not take a key. A request with no body at all is a 400 too, not a 415.
 */
const requestShape: RequestHandler = (req, res, next) => {
  res.locals.dryRun = validate(sendSmsQuerySchema, req.query, 'query').dryRun === 'true';
  const noBody = req.get('transfer-encoding') === undefined && !Number(req.get('content-length'));
  if (req.body === undefined && noBody) {
    throw new AppError('VALIDATION_FAILED', 'Invalid request body: the request body is required.', [
      { field: '(root)', problem: 'is required' },
    ]);
  }
  next();
};

/** A caller-chosen URL for the message's events: signed with our secret, and no way into our network. */
async function checkStatusCallback(deps: SendSmsDeps, url: string): Promise<void> {
  const { events } = deps.config;
  const problem =
    events.secrets.length === 0
      ? 'needs EVENT_WEBHOOK_SECRET set on the service, to sign the events'
      : await checkCallbackUrl(url, events.urlRules);
  if (problem) {
    throw new AppError('VALIDATION_FAILED', `Invalid request body: statusCallbackUrl ${problem}.`, [
      { field: 'statusCallbackUrl', problem },
    ]);
  }
}

export function sendSmsRoutes(
  deps: SendSmsDeps & { sendGuard: SendGuard; metrics: Metrics; rateLimitStores: RateLimitStores },
): Router {
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
    ...clientRateLimit(deps.rateLimitStores, {
      perMinute: rateLimitSendPerMinute,
      apiKeys,
      name: 'send',
      what: 'send',
    }),
    requireApiKey(apiKeys),
    // Size as the bytes arrive, depth before parsing: the limits of http/json-limits.ts.
    express.json({
      limit: deps.config.limits.sendMaxBodyBytes,
      verify: verifyDepth(deps.config.limits.jsonMaxDepth),
    }),
    requestShape,
    // A replay answers before the limits: it sends nothing, so it must not count as a send.
    idempotency({
      db: deps.db,
      ttlMs: deps.config.idempotencyTtlMs,
      lockMs: slowestSendMs(deps.config.sinch),
    }),
    async (req, res) => {
      if (!req.is('application/json')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
      }
      const dryRun = res.locals.dryRun === true;
      const body = validate(sendSmsBodySchema, req.body);
      if (body.statusCallbackUrl) await checkStatusCallback(deps, body.statusCallbackUrl);
      // Every refusal (opt-out, allow-list, limits, parts) is decided before anything is stored or sent.
      const plan = await planSend(deps, body, req.log, apiKeyIdOf(res));
      const cost = {
        to: plan.recipients,
        encoding: plan.encoding,
        parts: plan.parts,
        ...(body.sendAt ? { sendAt: body.sendAt } : {}),
        ...(body.expireAt ? { expireAt: body.expireAt } : {}),
        ...(plan.skipped.length > 0 ? { skipped: plan.skipped } : {}),
      };
      if (dryRun) {
        res.status(200).json({
          dryRun: true,
          ...cost,
          totalMessages: plan.refusal ? 0 : plan.recipients.length * plan.parts,
          ...(plan.refusal ? { refused: { code: plan.refusal.code, error: plan.refusal.message } } : {}),
        });
        return;
      }
      if (plan.refusal) throw plan.refusal;
      const result = await sendSms(deps, body, plan, req.log, idempotencyOf(res));
      res.status(202).json({ message: 'SMS send request accepted by Sinch.', ...result, ...cost });
    },
  );

  return router;
}
