import { type Request, Router } from 'express';
import { normalizeMsisdn } from '../core/msisdn';
import type { SinchApiError } from './batch-request';
import { type BatchReportFilters, batchReport, recipientReport } from './delivery-reports';
import { sendSinchError } from './emulator.http';
import type { EmulatorStore } from './emulator.store';
import { commaList, listQuery, pageOf, stringQuery } from './list-query';

const NOT_FOUND = { status: 404, code: 'not_found', text: 'No such batch or recipient' };

/** `status` and `code` filters (comma lists; statuses in any case). */
function reportFilters(req: Request): BatchReportFilters | { error: SinchApiError } {
  const codes = commaList(req.query.code)?.map(Number);
  if (codes?.some((code) => !Number.isInteger(code))) {
    return {
      error: {
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: 'code must be a comma-separated list of integers',
      },
    };
  }
  return { statuses: commaList(req.query.status)?.map((s) => s.toLowerCase()), codes };
}

/** Delivery-report GETs (docs/sinch-sms-api.md §9). */
export function createReportsRouter(store: EmulatorStore): Router {
  const router = Router({ mergeParams: true });

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
    const filters = reportFilters(req);
    if ('error' in filters) return sendSinchError(res, filters.error);
    res.json(batchReport(stored, type === 'full', filters));
  });

  router.get('/batches/:id/delivery_report/:recipient', (req, res) => {
    const stored = store.batches.get(req.params.id);
    const state = stored?.recipients.get(normalizeMsisdn(req.params.recipient));
    if (!stored || !state) return sendSinchError(res, NOT_FOUND);
    res.json(recipientReport(stored, state));
  });

  // Recipient reports of every batch, newest first, by the time of their last report.
  router.get('/delivery_reports', (req, res) => {
    const query = listQuery(req);
    if ('error' in query) return sendSinchError(res, query.error);
    const filters = reportFilters(req);
    if ('error' in filters) return sendSinchError(res, filters.error);
    const clientReference = stringQuery(req.query.client_reference);
    const reports = [];
    for (const stored of store.batches.values()) {
      if (stored.cancelledBeforeSend) continue;
      if (clientReference !== undefined && stored.batch.client_reference !== clientReference) continue;
      for (const state of stored.recipients.values()) {
        const at = Date.parse(state.at);
        if (at < query.from || at > query.until) continue;
        if (filters.statuses && !filters.statuses.includes(state.status.toLowerCase())) continue;
        if (filters.codes && !filters.codes.includes(state.code)) continue;
        reports.push({ at, report: recipientReport(stored, state) });
      }
    }
    reports.sort((a, b) => b.at - a.at);
    res.json(
      pageOf(
        'delivery_reports',
        reports.map((r) => r.report),
        query,
      ),
    );
  });

  return router;
}
