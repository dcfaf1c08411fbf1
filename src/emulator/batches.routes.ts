import { createHash } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Logger } from '../logger';
import { buildBatch, checkCallbackUrl, parseBatchRequest, type SinchApiError } from './batch-request';
import type { BatchSend } from './batch-schemas';
import type { DeliverySimulator } from './delivery-simulator';
import { readJsonBody, sendSinchError } from './emulator.http';
import type { BatchRequestRecord, EmulatorStore, RecipientState, StoredBatch } from './emulator.store';
import { newUlid } from './ids';
import { commaList, listQuery, pageOf, stringQuery } from './list-query';
import { apiFaultFor, deliveryScenarioFor } from './scenarios';

export type BatchesRouteDeps = {
  store: EmulatorStore;
  simulator: DeliverySimulator;
  logger: Logger;
  defaultCallbackUrl?: string;
  /** Keeps a response open forever (hang fault); the server destroys it on stop. */
  holdOpen: (res: Response) => void;
};

export const BATCH_NOT_FOUND = { status: 404, code: 'not_found', text: 'No batch with this id' };

/** Same request again ⇒ same key: the client_reference, else a hash of the exact body. */
function attemptKeyOf(clientReference: string | undefined, rawBody: string): string {
  if (clientReference !== undefined) return `ref:${clientReference}`;
  return `body:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/** A fresh `Queued` state for each recipient of a batch. */
export function queuedRecipients(numbers: string[], at: string): Map<string, RecipientState> {
  return new Map(
    numbers.map((recipient) => [
      recipient,
      { recipient, scenario: deliveryScenarioFor(recipient), status: 'Queued', code: 400, at, final: false },
    ]),
  );
}

function createStoredBatch(deps: BatchesRouteDeps, send: BatchSend, json: unknown): StoredBatch {
  const now = new Date();
  const batch = buildBatch(newUlid(now.getTime()), send, now);
  const stored: StoredBatch = {
    batch,
    request: json,
    send,
    recipients: queuedRecipients(batch.to, batch.created_at),
    batchReportSent: false,
    generation: 0,
    feedback: [],
  };
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

    const stored = createStoredBatch(deps, parsed.request, json);
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
    const query = listQuery(req);
    if ('error' in query) return sendSinchError(res, query.error);
    // Like Sinch: batches created from start_date (default: a day ago) up to end_date (default: now).
    const matching = store.listBatches({
      clientReference: stringQuery(req.query.client_reference),
      from: commaList(req.query.from),
      createdFrom: query.from,
      createdUntil: query.until,
    });
    res.json(
      pageOf(
        'batches',
        matching.map((s) => s.batch),
        query,
      ),
    );
  });

  router.get('/batches/:id', (req, res) => {
    const stored = store.batches.get(req.params.id);
    if (!stored) return sendSinchError(res, BATCH_NOT_FOUND);
    res.json(stored.batch);
  });

  router.delete('/batches/:id', (req, res) => {
    const stored = store.batches.get(req.params.id);
    if (!stored) return sendSinchError(res, BATCH_NOT_FOUND);
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
