import express, { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import type { CallbackIngest } from './callback-ingest';
import { writeCallbackAnswer } from './callback-ingest';

/**
 * Sinch posts every callback of the service plan here. Everything after reading the body is the shared
 * core (callback-ingest.ts); the server runs the same core ahead of Express for POST /webhooks/dlr
 * (callback-fast-path.ts), and this route answers whatever reaches the app (buildApp in tests, and any
 * request the fast path leaves to Express) with the same answers.
 */
export function callbackRoutes(ingest: CallbackIngest): Router {
  const router = Router();
  // Errors before the core (the body over its limit, unreadable, or the rate limit) are answered by
  // the core too, so that both entries write the same bytes and headers.
  const answerError: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) return next(err);
    writeCallbackAnswer(res, ingest.answerError(err, req));
  };
  const core: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    writeCallbackAnswer(res, await ingest.handle({ headers: req.headers, body, id: req.id, log: req.log }));
  };
  router.post(
    '/webhooks/dlr',
    // A 429 makes Sinch retry later and slow down, so this limit loses nothing.
    ...ingest.rateLimit,
    // The size limit as the bytes arrive, then depth and shape in readCallbackBody (callback-limits.ts).
    express.raw({ type: () => true, limit: ingest.maxBodyBytes }),
    core,
    answerError,
  );
  return router;
}
