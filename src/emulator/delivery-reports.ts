import type { RecipientState, StoredBatch } from './emulator.store';

/** Reports of an `mt_media` batch are MMS reports (`…_mms`), every other type's SMS reports. */
function kindOf(stored: StoredBatch): 'sms' | 'mms' {
  return stored.batch.type === 'mt_media' ? 'mms' : 'sms';
}

/** Filters of `GET /batches/{id}/delivery_report` (comma lists). */
export type BatchReportFilters = { statuses?: string[]; codes?: number[] };

/**
 * A recipient report (docs/sinch-sms-api.md §3b). Keys are in alphabetical order, as in the real signed
 * payload, so bodies look byte-for-byte like Sinch's.
 */
export function recipientReport(
  stored: StoredBatch,
  state: RecipientState,
  override?: { status: string; code: number; at: string },
): Record<string, unknown> {
  const status = override?.status ?? state.status;
  const code = override?.code ?? state.code;
  const isFinal = override === undefined ? state.final : false;
  const report: Record<string, unknown> = { at: override?.at ?? state.at, batch_id: stored.batch.id };
  if (stored.batch.client_reference !== undefined) report.client_reference = stored.batch.client_reference;
  report.code = code;
  if (isFinal && state.operatorStatusAt) report.operator_status_at = state.operatorStatusAt;
  report.recipient = state.recipient;
  report.status = status;
  report.type = `recipient_delivery_report_${kindOf(stored)}`;
  return report;
}

/** A batch report (docs/sinch-sms-api.md §3a): one entry per (code, status) that has recipients. */
export function batchReport(
  stored: StoredBatch,
  full: boolean,
  filters: BatchReportFilters = {},
): Record<string, unknown> {
  const groups = new Map<string, { code: number; status: string; recipients: string[] }>();
  // Cancelled before its send_at: "an empty delivery report" (the cancel operation's documentation).
  const states = stored.cancelledBeforeSend ? [] : stored.recipients.values();
  for (const state of states) {
    if (filters.statuses && !filters.statuses.includes(state.status.toLowerCase())) continue;
    if (filters.codes && !filters.codes.includes(state.code)) continue;
    const key = `${state.code}:${state.status}`;
    const group = groups.get(key) ?? { code: state.code, status: state.status, recipients: [] };
    group.recipients.push(state.recipient);
    groups.set(key, group);
  }
  const statuses = [...groups.values()].map(({ code, status, recipients }) =>
    full
      ? { code, count: recipients.length, recipients, status }
      : { code, count: recipients.length, status },
  );
  const report: Record<string, unknown> = { batch_id: stored.batch.id };
  if (stored.batch.client_reference !== undefined) report.client_reference = stored.batch.client_reference;
  report.statuses = statuses;
  report.total_message_count = stored.recipients.size;
  report.type = `delivery_report_${kindOf(stored)}`;
  return report;
}
