import express, { Router } from 'express';
import type { Config } from '../config';
import type { Db } from '../db/database';
import { isStorageUnavailable } from '../db/storage-errors';
import { type Metrics, recordApplied } from '../metrics/metrics';
import type { OptOutRules } from '../opt-outs';
import { clientRateLimit, type RateLimitStores, requireWebhookAuth } from '../security';
import { KNOWN_CALLBACK_TYPES } from '../sinch/callbacks.schemas';
import { inTurn, readCallbackBody } from './callback-limits';
import type { UnappliedBudget } from './callback-retention';
import { createCallbackWriter, type IngestResult } from './callback-writer';
import { quarantineRefused } from './quarantine.service';

/** Only Sinch's known types become label values, so a stranger cannot create series at will. */
const callbackTypeLabel = (type: unknown) =>
  typeof type === 'string' && KNOWN_CALLBACK_TYPES.has(type) ? type : 'unknown';

function record(metrics: Metrics, type: unknown, result: IngestResult, startedAt: bigint): void {
  metrics.callbacks.inc({ type: callbackTypeLabel(type), outcome: result.outcome });
  metrics.callbackSeconds.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
  if (result.outcome !== 'invalid') recordApplied(metrics, result.tally);
}

/** Where and why a callback missed its schema, without the values it carried. */
const issueSummary = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.slice(0, 10).map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message }));

/**
 * Sinch posts every callback of the service plan here. The body is read as raw bytes whatever its
 * content type (a 4xx would lose the callback for good), so the signature is checked over exactly what
 * Sinch sent, before anything is parsed or stored. The callback is stored before the answer; if it
 * cannot be, the answer is 503 so that Sinch tries again.
 */
export function callbackRoutes(deps: {
  db: Db;
  config: Config;
  metrics: Metrics;
  optOuts: OptOutRules;
  rateLimitStores: RateLimitStores;
  callbackBudget: UnappliedBudget;
}): Router {
  const router = Router();
  const writer = createCallbackWriter(deps.db, deps.optOuts, deps.callbackBudget);

  router.post(
    '/webhooks/dlr',
    // A 429 makes Sinch retry later and slow down, so this limit loses nothing.
    ...clientRateLimit(deps.rateLimitStores, {
      perMinute: deps.config.rateLimitWebhookPerMinute,
      apiKeys: [],
      name: 'callback',
      what: 'callback',
    }),
    // The size limit as the bytes arrive, then depth and shape in readCallbackBody (callback-limits.ts).
    express.raw({ type: () => true, limit: deps.config.limits.callbackMaxBodyBytes }),
    requireWebhookAuth(deps.config.webhookAuth, quarantineRefused(deps.db, deps.config, deps.metrics)),
    async (req, res) => {
      const startedAt = process.hrtime.bigint();
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { payload, raw } = await inTurn(bytes.length, () =>
        readCallbackBody(bytes, deps.config.limits.jsonMaxDepth, req.log),
      );

      let result: IngestResult;
      try {
        result = await writer.ingest(payload, raw, req.log);
      } catch (error) {
        // Not stored: the error handler answers 503 when storage is down (Sinch retries), else 500.
        const outcome = isStorageUnavailable(error) ? 'storage_error' : 'internal_error';
        deps.metrics.callbacks.inc({ type: callbackTypeLabel(payload.type), outcome });
        throw error;
      }
      record(deps.metrics, payload.type, result, startedAt);

      if (result.outcome === 'invalid' && result.problem !== undefined) {
        // Kept as it came, with what the database refused: a retry would fail the same way for days.
        req.log.error(
          { callbackType: callbackTypeLabel(payload.type), problem: result.problem },
          'callback the database cannot store as it is: kept as invalid, not applied',
        );
      } else if (result.outcome === 'invalid') {
        // Stored and acknowledged: a retry cannot make it fit, and a 4xx would make Sinch drop it for
        // good. `npm run callbacks -- reapply` applies it once a release learns its shape.
        req.log.error(
          { callbackType: payload.type, issues: issueSummary(result.issues) },
          'callback of a known type does not fit its schema: stored as invalid, not applied',
        );
      }
      if (result.outcome === 'unknown_type') {
        // A new callback type must not be dropped for good by a 4xx: it is stored and acknowledged.
        req.log.warn({ callbackType: payload.type }, 'callback of unknown type stored without processing');
      }
      res.status(200).type('text/plain').send('OK');
    },
  );

  return router;
}
