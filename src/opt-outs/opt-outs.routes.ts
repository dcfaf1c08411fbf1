import { type RequestHandler, Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../core/errors';
import type { Db } from '../db/database';
import { validate } from '../http/validate';
import { apiKeyIdOf } from '../security';
import { listOptOutsQuery, optOutNumberParam } from './opt-outs.schemas';
import { removeOptOut } from './opt-outs.service';
import { listOptOutsPage } from './opt-outs.view';

/** GET /opt-outs and DELETE /opt-outs/:number; the list holds numbers, so the API keys guard it. */
export function optOutsRoutes(deps: { db: Db; config: Config; auth: RequestHandler[] }): Router {
  const router = Router();
  // The read API's guard, built once in app.ts: a per-minute budget per key, then the key.
  const { auth } = deps;

  router.get('/opt-outs', ...auth, async (req, res) => {
    const { limit, cursor } = validate(listOptOutsQuery, req.query, 'query');
    res.json(await listOptOutsPage(deps.db, limit, cursor));
  });

  // For an operator who has the recipient's consent again by other means; recorded as an opt-in event.
  router.delete('/opt-outs/:number', ...auth, async (req, res) => {
    const { number: msisdn } = validate(optOutNumberParam, req.params, 'path');
    const removed = await removeOptOut(deps.db, msisdn, apiKeyIdOf(res));
    if (!removed) throw new AppError('NOT_FOUND', `+${msisdn} is not on the opt-out list.`);
    req.log.info({ number: `+${msisdn}` }, 'opt-out removed by operator');
    res.status(204).end();
  });

  return router;
}
