import express, { type RequestHandler, Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../core/errors';
import { newId } from '../core/ids';
import type { Db } from '../db/database';
import { verifyDepth } from '../http/json-limits';
import { validate } from '../http/validate';
import { overlapEndsAt } from './endpoint-secrets';
import {
  deleteEndpoint,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  resumeEndpoint,
  rotateEndpointSecret,
} from './endpoints.repository';
import { newEndpointSecret } from './event-signing';
import {
  createEndpointBody,
  endpointIdParam,
  eventIdParam,
  listEventsQuery,
  rotateSecretBody,
} from './events-api.schemas';
import { listEvents, redeliverEvent } from './events-view.repository';
import { checkCallbackUrl } from './url-guard';

/** An endpoint as the API shows it: never its secrets, only until when a replaced one still signs. */
function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    description: row.description,
    source: row.source as 'api' | 'config',
    failingSince: row.failing_since,
    pausedAt: row.paused_at,
    previousSecretExpiresAt: overlapEndsAt(row.retiring_secrets, Date.now()),
    createdAt: row.created_at,
  };
}

const noEndpoint = (id: string) =>
  new AppError('NOT_FOUND', `No event endpoint with id ${JSON.stringify(id)}.`);

/** /event-endpoints (where events go) and /events (what was sent, with every attempt); API key like /messages. */
export function eventRoutes(deps: { db: Db; config: Config; auth: RequestHandler[] }): Router {
  const router = Router();
  // The read API's guard, built once in app.ts: a per-minute budget per key, then the key.
  const { auth } = deps;
  const { events: settings } = deps.config;
  const retryUntil = () => new Date(Date.now() + settings.retryForMs).toISOString();

  // The depth limit every JSON route shares (http/json-limits.ts); an endpoint is a URL and a few fields.
  const json = express.json({ limit: '16kb', verify: verifyDepth(deps.config.limits.jsonMaxDepth) });
  router.post('/event-endpoints', ...auth, json, async (req, res) => {
    const body = validate(createEndpointBody, req.body);
    const problem = await checkCallbackUrl(body.url, settings.urlRules);
    if (problem) {
      throw new AppError('VALIDATION_FAILED', `Invalid request body: url ${problem}.`, [
        { field: 'url', problem },
      ]);
    }
    const secret = newEndpointSecret();
    const row: EndpointRow = {
      id: `ep_${newId().replaceAll('-', '')}`,
      url: body.url,
      secrets: JSON.stringify([secret]),
      retiring_secrets: null,
      event_types: body.eventTypes ? JSON.stringify([...new Set(body.eventTypes)]) : null,
      source: 'api',
      description: body.description ?? null,
      failing_since: null,
      paused_at: null,
      created_at: new Date().toISOString(),
      behind_from_seq: null,
      resumed_at: null,
    };
    await insertEndpoint(deps.db, row);
    req.log.info({ endpoint: row.id, url: row.url }, 'event endpoint registered');
    // The secret is shown this once: no cache (a proxy's, the browser's) may keep a copy.
    res
      .set('Cache-Control', 'no-store')
      .status(201)
      .json({ ...endpointView(row), secret });
  });

  router.get('/event-endpoints', ...auth, async (_req, res) => {
    res.json({ data: (await listEndpoints(deps.db)).map(endpointView) });
  });

  router.get('/event-endpoints/:id', ...auth, async (req, res) => {
    const { id } = validate(endpointIdParam, req.params, 'path');
    const row = await findEndpoint(deps.db, id);
    if (!row) throw noEndpoint(id);
    res.json(endpointView(row));
  });

  router.delete('/event-endpoints/:id', ...auth, async (req, res) => {
    const { id } = validate(endpointIdParam, req.params, 'path');
    const row = await findEndpoint(deps.db, id);
    if (!row) throw noEndpoint(id);
    if (row.source === 'config') {
      throw new AppError('BAD_REQUEST', 'This endpoint comes from EVENT_WEBHOOK_URLS: remove it there.');
    }
    await deleteEndpoint(deps.db, id, new Date().toISOString());
    req.log.info({ endpoint: id }, 'event endpoint deleted');
    res.status(204).end();
  });

  router.post('/event-endpoints/:id/resume', ...auth, async (req, res) => {
    const { id } = validate(endpointIdParam, req.params, 'path');
    if (!(await resumeEndpoint(deps.db, id, new Date().toISOString(), retryUntil()))) throw noEndpoint(id);
    req.log.info({ endpoint: id }, 'event endpoint resumed');
    res.json(endpointView((await findEndpoint(deps.db, id)) as EndpointRow));
  });

  router.post('/event-endpoints/:id/rotate-secret', ...auth, json, async (req, res) => {
    const { id } = validate(endpointIdParam, req.params, 'path');
    // No body is the default overlap; a body that is not JSON is refused, not ignored (it may have
    // asked for no overlap, for a secret that leaked).
    const hasBytes = Number(req.headers['content-length'] ?? 0) > 0 || 'transfer-encoding' in req.headers;
    if (hasBytes && !req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    const { overlapSeconds } = validate(rotateSecretBody, req.body ?? {});
    const found = await findEndpoint(deps.db, id);
    if (!found) throw noEndpoint(id);
    if (found.source === 'config') {
      throw new AppError(
        'BAD_REQUEST',
        'This endpoint comes from EVENT_WEBHOOK_URLS and is signed with EVENT_WEBHOOK_SECRET: rotate it there (the new secret beside the old, comma-separated).',
      );
    }
    const secret = newEndpointSecret();
    const row = await rotateEndpointSecret(deps.db, id, secret, Date.now(), overlapSeconds);
    if (!row) throw noEndpoint(id);
    const view = endpointView(row);
    req.log.info(
      { endpoint: id, overlapSeconds, previousSecretExpiresAt: view.previousSecretExpiresAt },
      'event endpoint secret rotated',
    );
    res.set('Cache-Control', 'no-store').json({ ...view, secret });
  });

  router.get('/events', ...auth, async (req, res) => {
    const query = validate(listEventsQuery, req.query, 'query');
    res.json({ data: await listEvents(deps.db, query) });
  });

  router.post('/events/:id/redeliver', ...auth, async (req, res) => {
    const { id } = validate(eventIdParam, req.params, 'path');
    const deliveries = await redeliverEvent(deps.db, id, new Date().toISOString(), retryUntil());
    if (deliveries === undefined) throw new AppError('NOT_FOUND', `No event with id ${JSON.stringify(id)}.`);
    req.log.info({ eventId: id, deliveries }, 'event queued for redelivery');
    res.status(202).json({ id, deliveries });
  });

  return router;
}
