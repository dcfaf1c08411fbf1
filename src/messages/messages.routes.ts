import { type RequestHandler, Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../core/errors';
import type { Db } from '../db/database';
import { validate } from '../http/validate';
import { type Metrics, recordApplied } from '../metrics/metrics';
import type { SinchClient } from '../sinch/sinch.client';
import { listMessagesQuery } from './messages.schemas';
import { getMessage, listMessagesPage } from './messages.service';
import { cancelMessage } from './messages-cancel.service';

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `No message with id or batch id ${JSON.stringify(id)}.`);

/** The id of a path, or a 404 before the database when no message could ever have it (NUL: PostgreSQL refuses it). */
function messageIdOf(params: Record<string, unknown>): string {
  const id = String(params.id);
  if (id.includes('\u0000')) throw notFound(id);
  return id;
}

export function messagesRoutes(deps: {
  db: Db;
  config: Config;
  sinch: SinchClient;
  metrics: Metrics;
  auth: RequestHandler[];
}): Router {
  const router = Router();
  // The read API's guard, built once in app.ts: a per-minute budget per key, then the key.
  const { auth } = deps;

  router.get('/messages', ...auth, async (req, res) => {
    const query = validate(listMessagesQuery, req.query, 'query');
    res.json(await listMessagesPage(deps.db, query));
  });

  router.get('/messages/:id', ...auth, async (req, res) => {
    const id = messageIdOf(req.params);
    const view = await getMessage(deps.db, id);
    if (!view) throw notFound(id);
    res.json(view);
  });

  // Cancels what Sinch has not sent yet; repeating it is harmless.
  router.delete('/messages/:id', ...auth, async (req, res) => {
    const id = messageIdOf(req.params);
    const { view, tally } = await cancelMessage(deps, id, req.log);
    // Cancelled is a final outcome like any Sinch reports: counted with them.
    recordApplied(deps.metrics, tally);
    if (!view) throw notFound(id);
    res.json(view);
  });

  return router;
}
