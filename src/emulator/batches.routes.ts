import { createHash } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Logger } from '../logger';
import {
  buildBatch,
  checkCallbackUrl,
  type ParsedBatchRequest,
  parseBatchRequest,
  type SinchApiError,
} from './batch-request';
import type { DeliverySimulator } from './delivery-simulator';
import { dateQuery, intQuery, readJsonBody, sendSinchError } from './emulator.http';
import type { BatchRequestRecord, EmulatorStore, StoredBatch } from './emulator.store';
import { newUlid } from './ids';
import { apiFaultFor, deliveryScenarioFor } from './scenarios';

export type BatchesRouteDeps = {
  store: EmulatorStore;
  simulator: DeliverySimulator;
  logger: Logger;
  defaultCallbackUrl?: string;
  /** Keeps a response open forever (hang fault); the server destroys it on stop. */
  holdOpen: (res: Response) => void;
};

const NOT_FOUND = { status: 404, code: 'not_found', text: 'No batch with this id' };

/** Same request again ⇒ same key: the client_reference, else a hash of the exact body. */
function attemptKeyOf(clientReference: string | undefined, rawBody: string): string {
  if (clientReference !== undefined) return `ref:${clientReference}`;
  return `body:${createHash('sha256').update(rawBody).digest('hex')}`;
}

function createStoredBatch(
  deps: BatchesRouteDeps,
  parsed: Extract<ParsedBatchRequest, { ok: true }>,
  json: unknown,
): StoredBatch {
  const now = new Date();
  const batch = buildBatch(newUlid(now.getTime()), parsed.request, parsed.extras, now);
  const recipients = new Map(
    batch.to.map((recipient) => [
      recipient,
      {
        recipient,
        scenario: deliveryScenarioFor(recipient),
        status: 'Queued' as const,
        code: 400,
        at: batch.created_at,
        final: false,
      },
    ]),
  );
  const stored: StoredBatch = { batch, request: json, recipients, batchReportSent: false };
  deps.store.batches.set(batch.id, stored);
  deps.simulator.start(stored);
  return stored;
}

/** Routes of `/xms/v1/{plan}/batches` except delivery reports and dry run. */
export function createBatchesRouter(deps: BatchesRouteDeps): Router {
  const router = Router({ mergeParams: true });
  const { store, logger } = deps;

  router.post('/batches', readJsonBody, (req: Request, res: Response) => {
    const json: unknown = res.locals.json;
    const rawBody: string = res.locals.rawBody;
    const record: BatchRequestRecord = { receivedAt: new Date().toISOString(), status: 0, body: json };
    store.requests.push(record);

    const refuse = (error: SinchApiError) => {
      Object.assign(record, { status: error.status, errorCode: error.code });
      sendSinchError(res, error);
    };
    const parsed = parseBatchRequest(json);
    if (!parsed.ok) return refuse(parsed.error);
    const noCallbackUrl = checkCallbackUrl(parsed.request, deps.defaultCallbackUrl);
    if (noCallbackUrl) return refuse(noCallbackUrl);

    const clientReference = parsed.request.client_reference;
    record.clientReference = clientReference;
    record.attemptKey = attemptKeyOf(clientReference, rawBody);
    record.attempt = store.nextAttempt(record.attemptKey);
    const fault = record.attempt === 1 ? apiFaultFor(parsed.request.to) : undefined;
    record.fault = fault?.name;

    if (fault?.fault === 'rate-limited') {
      record.status = 429;
      res.set('Retry-After', '1');
      return sendSinchError(res, { status: 429, code: 'too_many_requests', text: 'Too many requests' });
    }
    if (fault?.fault === 'server-error' || fault?.fault === 'unavailable') {
      const status = fault.fault === 'server-error' ? 500 : 503;
      record.status = status;
      const code = status === 500 ? 'internal_error' : 'service_unavailable';
      return sendSinchError(res, { status, code, text: 'Simulated fault, try again' });
    }

    const stored = createStoredBatch(deps, parsed, json);
    record.batchId = stored.batch.id;
    logger.info(
      { batchId: stored.batch.id, recipients: stored.batch.to.length, fault: fault?.name },
      'batch created',
    );

    if (fault?.fault === 'hang') {
      record.status = 'hung';
      return deps.holdOpen(res);
    }
    if (fault?.fault === 'drop') {
      record.status = 'dropped';
      req.socket.destroy();
      return;
    }
    record.status = 201;
    res.status(201).json(stored.batch);
  });

  router.get('/batches', (req, res) => {
    const page = intQuery(req.query.page) ?? 0;
    const pageSize = intQuery(req.query.page_size) ?? 30;
    if (Number.isNaN(page) || Number.isNaN(pageSize) || pageSize < 1 || pageSize > 100) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'page must be ≥ 0 and page_size between 1 and 100',
      });
    }
    // Like Sinch: batches created from start_date (default: a day ago) up to end_date (default: now).
    const from = dateQuery(req.query.start_date) ?? Date.now() - 86_400_000;
    const until = dateQuery(req.query.end_date) ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(from) || Number.isNaN(until)) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'start_date and end_date must be ISO-8601 dates',
      });
    }
    const clientReference =
      typeof req.query.client_reference === 'string' ? req.query.client_reference : undefined;
    const matching = store.listBatches(clientReference).filter(({ batch }) => {
      const created = Date.parse(batch.created_at ?? '');
      return created >= from && created <= until;
    });
    const batches = matching.slice(page * pageSize, (page + 1) * pageSize).map((s) => s.batch);
    res.json({ page, page_size: pageSize, count: matching.length, batches });
  });

  router.get('/batches/:id', (req, res) => {
    const stored = store.batches.get(req.params.id);
    if (!stored) return sendSinchError(res, NOT_FOUND);
    res.json(stored.batch);
  });

  router.delete('/batches/:id', (req, res) => {
    const stored = store.batches.get(req.params.id);
    if (!stored) return sendSinchError(res, NOT_FOUND);
    if (!stored.batch.canceled) {
      stored.batch.canceled = true;
      stored.batch.modified_at = new Date().toISOString();
      deps.simulator.cancel(stored);
      logger.info({ batchId: stored.batch.id }, 'batch cancelled');
    }
    res.json(stored.batch);
  });

  return router;
}
