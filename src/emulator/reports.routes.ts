import { Router } from 'express';
import { normalizeMsisdn } from '../core/msisdn';
import { analyzeBody } from '../sinch/encoding';
import { parseBatchRequest } from './batch-request';
import { batchReport, recipientReport } from './delivery-reports';
import { intQuery, readJsonBody, sendSinchError } from './emulator.http';
import type { EmulatorStore } from './emulator.store';

const NOT_FOUND = { status: 404, code: 'not_found', text: 'No such batch or recipient' };

function commaList(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.split(',').map((item) => item.trim());
}

/** Delivery-report GETs and `POST /batches/dry_run` (docs/sinch-sms-api.md §9). */
export function createReportsRouter(store: EmulatorStore): Router {
  const router = Router({ mergeParams: true });

  router.post('/batches/dry_run', readJsonBody, (req, res) => {
    const parsed = parseBatchRequest(res.locals.json);
    if (!parsed.ok) return sendSinchError(res, parsed.error);
    const listed = intQuery(req.query.number_of_recipients) ?? 100;
    if (Number.isNaN(listed) || listed > 1000) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'number_of_recipients must be between 0 and 1000',
      });
    }
    const { body, to } = parsed.request;
    // No `parameters` substitution: every recipient gets the same body.
    const analysis = analyzeBody(body);
    const response: Record<string, unknown> = {
      number_of_recipients: to.length,
      number_of_messages: analysis.numberOfParts * to.length,
    };
    if (req.query.per_recipient === 'true') {
      response.per_recipient = to.slice(0, listed).map((recipient) => ({
        recipient: normalizeMsisdn(recipient),
        number_of_parts: analysis.numberOfParts,
        body,
        encoding: analysis.encoding,
      }));
    }
    res.json(response);
  });

  router.get('/batches/:id/delivery_report', (req, res) => {
    const stored = store.batches.get(req.params.id);
    if (!stored) return sendSinchError(res, NOT_FOUND);
    const type = req.query.type ?? 'summary';
    if (type !== 'summary' && type !== 'full') {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: "type must be 'summary' or 'full'",
      });
    }
    const codes = commaList(req.query.code)?.map(Number);
    if (codes?.some((code) => !Number.isInteger(code))) {
      return sendSinchError(res, {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'code must be a comma-separated list of integers',
      });
    }
    const statuses = commaList(req.query.status)?.map((s) => s.toLowerCase());
    res.json(batchReport(stored, type === 'full', { statuses, codes }));
  });

  router.get('/batches/:id/delivery_report/:recipient', (req, res) => {
    const stored = store.batches.get(req.params.id);
    const state = stored?.recipients.get(normalizeMsisdn(req.params.recipient));
    if (!stored || !state) return sendSinchError(res, NOT_FOUND);
    res.json(recipientReport(stored, state));
  });

  return router;
}
