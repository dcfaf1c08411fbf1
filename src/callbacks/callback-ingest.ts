import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { Db } from '../db/database';
import { isStorageUnavailable } from '../db/storage-errors';
import { errorAnswer, errorBody } from '../http/error-handler';
import type { Logger } from '../logger';
import { type Metrics, recordApplied } from '../metrics/metrics';
import type { OptOutRules } from '../opt-outs';
import { clientRateLimit, type RateLimitStores, webhookAuthGate } from '../security';
import { KNOWN_CALLBACK_TYPES } from '../sinch/callbacks.schemas';
import { inTurn, readCallbackBody } from './callback-limits';
import type { UnappliedBudget } from './callback-retention';
import { createCallbackWriter, type IngestResult } from './callback-writer';
import { quarantineRefused } from './quarantine.service';

/** A callback's request as both entries hand it over: its headers, its body as sent, its id and logger. */
export type CallbackRequest = { headers: IncomingHttpHeaders; body: Buffer; id: string; log: Logger };

/** The answer to a callback, written the same way by both entries (writeCallbackAnswer). */
export type CallbackAnswer = {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
  /** The fault behind a 5xx of ours: the request's log line carries it. */
  fault?: Error;
};

export type CallbackIngest = {
  /** The per-minute limit, [] when off: one instance, run by the Express route and by the fast path. */
  rateLimit: RequestHandler[];
  /** The body size limit, enforced as the bytes arrive. */
  maxBodyBytes: number;
  /** Authenticates, reads, stores and applies one callback, and says what to answer; never throws. */
  handle(req: CallbackRequest): Promise<CallbackAnswer>;
  /** The answer to an error met before `handle` (the body over its limit, the rate limit). */
  answerError(error: unknown, req: { id: string; log: Logger }): CallbackAnswer;
};

export type CallbackIngestDeps = {
  db: Db;
  config: Config;
  metrics: Metrics;
  optOuts: OptOutRules;
  rateLimitStores: RateLimitStores;
  callbackBudget: UnappliedBudget;
};

/** Only Sinch's known types become label values, so a stranger cannot create series at will. */
const callbackTypeLabel = (type: unknown) =>
  typeof type === 'string' && KNOWN_CALLBACK_TYPES.has(type) ? type : 'unknown';

/** Where and why a callback missed its schema, without the values it carried. */
const issueSummary = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.slice(0, 10).map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message }));

const OK: CallbackAnswer = { status: 200, headers: {}, contentType: 'text/plain; charset=utf-8', body: 'OK' };

/**
 * What POST /webhooks/dlr does, in one place for its two entries: the Express route (callbacks.routes.ts)
 * and the plain node:http handler ahead of Express (callback-fast-path.ts). The body is taken as raw
 * bytes whatever its content type (a 4xx would lose the callback for good), so the signature is checked
 * over exactly what Sinch sent, before anything is parsed or stored. The callback is stored before the
 * answer; if it cannot be, the answer is 503 so that Sinch tries again.
 */
export function createCallbackIngest(deps: CallbackIngestDeps): CallbackIngest {
  const writer = createCallbackWriter(deps.db, deps.optOuts, deps.callbackBudget);
  const authenticate = webhookAuthGate(
    deps.config.webhookAuth,
    quarantineRefused(deps.db, deps.config, deps.metrics),
  );
  const { jsonMaxDepth, callbackMaxBodyBytes } = deps.config.limits;

  function answerError(error: unknown, req: { id: string; log: Logger }, headers = {}): CallbackAnswer {
    const { error: known, fault } = errorAnswer(error, req.log);
    const retry = known.retryAfterSeconds;
    return {
      status: known.status,
      headers: retry === undefined ? headers : { ...headers, 'Retry-After': String(retry) },
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(errorBody(known.code, known.message, req.id, known.details)),
      ...(fault ? { fault } : {}),
    };
  }

  async function store(req: CallbackRequest): Promise<CallbackAnswer> {
    const startedAt = process.hrtime.bigint();
    const { payload, raw } = await inTurn(req.body.length, () =>
      readCallbackBody(req.body, jsonMaxDepth, req.log),
    );
    let result: IngestResult;
    try {
      result = await writer.ingest(payload, raw, req.log);
    } catch (error) {
      // Not stored: 503 when storage is down (Sinch retries), else 500.
      const outcome = isStorageUnavailable(error) ? 'storage_error' : 'internal_error';
      deps.metrics.callbacks.inc({ type: callbackTypeLabel(payload.type), outcome });
      throw error;
    }
    deps.metrics.callbacks.inc({ type: callbackTypeLabel(payload.type), outcome: result.outcome });
    deps.metrics.callbackSeconds.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
    if (result.outcome !== 'invalid') recordApplied(deps.metrics, result.tally);
    logOutcome(req.log, payload.type, result);
    return OK;
  }

  return {
    rateLimit: clientRateLimit(deps.rateLimitStores, {
      perMinute: deps.config.rateLimitWebhookPerMinute,
      apiKeys: [],
      name: 'callback',
      what: 'callback',
    }),
    maxBodyBytes: callbackMaxBodyBytes,
    answerError,
    async handle(req) {
      try {
        const refusal = await authenticate(req, req.body);
        if (refusal) return answerError(refusal.error, req, refusal.headers);
        return await store(req);
      } catch (error) {
        return answerError(error, req);
      }
    },
  };
}

function logOutcome(log: Logger, type: unknown, result: IngestResult): void {
  if (result.outcome === 'invalid' && result.problem !== undefined) {
    // Kept as it came, with what the database refused: a retry would fail the same way for days.
    log.error(
      { callbackType: callbackTypeLabel(type), problem: result.problem },
      'callback the database cannot store as it is: kept as invalid, not applied',
    );
  } else if (result.outcome === 'invalid') {
    // Stored and acknowledged: a retry cannot make it fit, and a 4xx would make Sinch drop it for
    // good. `npm run callbacks -- reapply` applies it once a release learns its shape.
    log.error(
      { callbackType: type, issues: issueSummary(result.issues) },
      'callback of a known type does not fit its schema: stored as invalid, not applied',
    );
  }
  if (result.outcome === 'unknown_type') {
    // A new callback type must not be dropped for good by a 4xx: it is stored and acknowledged.
    log.warn({ callbackType: type }, 'callback of unknown type stored without processing');
  }
}

/** Writes an answer on node's response, the same bytes and headers from either entry. */
export function writeCallbackAnswer(res: ServerResponse, answer: CallbackAnswer): void {
  if (answer.fault) res.err = answer.fault;
  // The client hung up (mid-body, say): nobody to answer, and its line says it closed first.
  if (!res.socket || res.socket.destroyed) return;
  // The callback's own lines say what became of it: a 2xx adds no access line at info.
  res.quietWhenOk = true;
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', Buffer.byteLength(answer.body));
  res.end(answer.body);
}
