import { Router } from 'express';
import { normalizeMsisdn } from '../core/msisdn';
import type { Logger } from '../logger';
import {
  buildBatch,
  checkCallbackUrl,
  errorFromIssue,
  invalid,
  parseBatchRequest,
  type SinchApiError,
} from './batch-request';
import { type BatchSend, batchUpdateSchema, deliveryFeedbackSchema } from './batch-schemas';
import { BATCH_NOT_FOUND, queuedRecipients } from './batches.routes';
import type { DeliverySimulator } from './delivery-simulator';
import { readJsonBody, sendSinchError } from './emulator.http';
import type { EmulatorStore, StoredBatch } from './emulator.store';

export type BatchChangesDeps = {
  store: EmulatorStore;
  simulator: DeliverySimulator;
  logger: Logger;
  defaultCallbackUrl?: string;
};

/** Why a batch can no longer be changed, or undefined while it is still waiting to be sent. */
function unchangeable(stored: StoredBatch, simulator: DeliverySimulator): SinchApiError | undefined {
  if (stored.batch.canceled) {
    return { status: 403, code: 'batch_already_cancelled', text: 'The batch has been cancelled' };
  }
  if (simulator.dispatched(stored)) {
    return { status: 403, code: 'batch_already_dispatched', text: 'The batch has already been sent' };
  }
  return undefined;
}

/** The update's recipients: the batch's, less `to_remove`, plus `to_add` (compared as digits). */
function updatedRecipients(current: string[], add: string[] = [], remove: string[] = []): string[] {
  const removed = new Set(remove.map(normalizeMsisdn));
  const kept = current.filter((to) => !removed.has(normalizeMsisdn(to)));
  const known = new Set(kept.map(normalizeMsisdn));
  for (const to of add) {
    if (!known.has(normalizeMsisdn(to))) kept.push(to);
    known.add(normalizeMsisdn(to));
  }
  return kept;
}

/** `PUT`, `POST /batches/{id}` and delivery feedback (docs/sinch-sms-api.md §9). */
export function createBatchChangesRouter(deps: BatchChangesDeps): Router {
  const router = Router({ mergeParams: true });
  const { store, simulator, logger } = deps;

  /** The batch becomes `send` under the same id and creation time; its recipients start over. */
  function apply(stored: StoredBatch, send: BatchSend, json: unknown): void {
    stored.generation++;
    stored.batch = buildBatch(stored.batch.id, send, new Date(), stored.batch.created_at);
    stored.send = send;
    stored.request = json;
    stored.recipients = queuedRecipients(stored.batch.to, stored.batch.modified_at);
    stored.batchReportSent = false;
    simulator.start(stored);
  }

  router.post('/batches/:id/delivery_feedback', readJsonBody, (req, res) => {
    const stored = store.batches.get(String(req.params.id));
    if (!stored) return sendSinchError(res, BATCH_NOT_FOUND);
    const parsed = deliveryFeedbackSchema.safeParse(res.locals.json, { reportInput: true });
    if (!parsed.success) return sendSinchError(res, errorFromIssue(parsed.error.issues[0]).error);
    if (stored.batch.feedback_enabled !== true) {
      return sendSinchError(res, {
        status: 403,
        code: 'feedback_not_enabled',
        text: 'Delivery feedback needs a batch sent with feedback_enabled: true',
      });
    }
    const recipients = parsed.data.recipients.map(normalizeMsisdn);
    const stranger = recipients.find((recipient) => !stored.recipients.has(recipient));
    if (stranger !== undefined) {
      return sendSinchError(
        res,
        invalid('syntax_invalid_parameter_format', `'${stranger}' is not in the batch`).error,
      );
    }
    stored.feedback.push({ at: new Date().toISOString(), recipients });
    logger.info({ batchId: stored.batch.id, recipients: recipients.length }, 'delivery feedback');
    res.status(202).end();
  });

  router.put('/batches/:id', readJsonBody, (req, res) => {
    const stored = store.batches.get(String(req.params.id));
    if (!stored) return sendSinchError(res, BATCH_NOT_FOUND);
    const refused = unchangeable(stored, simulator);
    if (refused) return sendSinchError(res, refused);
    const parsed = parseBatchRequest(res.locals.json);
    if (!parsed.ok) return sendSinchError(res, parsed.error);
    const noUrl = checkCallbackUrl(parsed.request, deps.defaultCallbackUrl);
    if (noUrl) return sendSinchError(res, noUrl);
    apply(stored, parsed.request, res.locals.json);
    logger.info({ batchId: stored.batch.id }, 'batch replaced');
    res.json(stored.batch);
  });

  router.post('/batches/:id', readJsonBody, (req, res) => {
    const stored = store.batches.get(String(req.params.id));
    if (!stored) return sendSinchError(res, BATCH_NOT_FOUND);
    const refused = unchangeable(stored, simulator);
    if (refused) return sendSinchError(res, refused);
    const update = batchUpdateSchema.safeParse(res.locals.json, { reportInput: true });
    if (!update.success) return sendSinchError(res, errorFromIssue(update.error.issues[0]).error);
    const { to_add, to_remove, type, ...fields } = update.data;
    if (type !== undefined && type !== stored.batch.type) {
      return sendSinchError(
        res,
        invalid('syntax_invalid_parameter_format', `type: the batch is ${stored.batch.type}`).error,
      );
    }
    const merged = { ...stored.send, ...fields, to: updatedRecipients(stored.send.to, to_add, to_remove) };
    // The result must be a valid batch of its type: same checks as a send.
    const parsed = parseBatchRequest(merged);
    if (!parsed.ok) return sendSinchError(res, parsed.error);
    const noUrl = checkCallbackUrl(parsed.request, deps.defaultCallbackUrl);
    if (noUrl) return sendSinchError(res, noUrl);
    apply(stored, parsed.request, res.locals.json);
    logger.info({ batchId: stored.batch.id }, 'batch updated');
    res.json(stored.batch);
  });

  return router;
}
