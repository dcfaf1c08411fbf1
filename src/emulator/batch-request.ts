import type { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
import { BATCH_TYPES, type BatchSend, type BatchType, sendSchemaFor } from './batch-schemas';
import type { EmulatedBatch } from './emulator.store';

/** A Sinch error body (docs/sinch-sms-api.md §2 "Errors") with the HTTP status to answer it with. */
export type SinchApiError = { status: number; code: string; text: string };

export type ParsedBatchRequest = { ok: true; request: BatchSend } | { ok: false; error: SinchApiError };

const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;
const MSISDN = /^[1-9]\d{5,14}$/;

export function invalid(code: string, text: string): { ok: false; error: SinchApiError } {
  return { ok: false, error: { status: 400, code, text } };
}

/** Sinch tells "value has the wrong form" apart from "value breaks a limit or is missing". */
export function errorFromIssue(issue: z.core.$ZodIssue | undefined): { ok: false; error: SinchApiError } {
  if (!issue) return invalid('syntax_constraint_violation', 'invalid request');
  const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const constraint = missing || issue.code === 'too_big' || issue.code === 'too_small';
  return invalid(
    constraint ? 'syntax_constraint_violation' : 'syntax_invalid_parameter_format',
    `${where}: ${issue.message}`,
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The `type` of a request body: `mt_text` when absent, undefined when it is no type Sinch knows. */
function typeOf(body: unknown): BatchType | undefined {
  const type = (body as { type?: unknown } | null)?.type ?? 'mt_text';
  return BATCH_TYPES.find((known) => known === type);
}

/** Checks Sinch makes beyond the shape: numbers, dates, URL. */
export function checkRequest(request: BatchSend): SinchApiError | undefined {
  const badNumber = request.to.find((to) => !MSISDN.test(normalizeMsisdn(to)));
  if (badNumber !== undefined) {
    return invalid('syntax_invalid_parameter_format', `'${badNumber}' is not a valid phone number`).error;
  }
  for (const field of ['send_at', 'expire_at'] as const) {
    const value = request[field];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      return invalid('syntax_invalid_parameter_format', `${field}: '${value}' is not an ISO-8601 date`).error;
    }
  }
  if (request.send_at && request.expire_at && Date.parse(request.expire_at) <= Date.parse(request.send_at)) {
    return invalid('syntax_constraint_violation', 'expire_at must be after send_at').error;
  }
  if (request.callback_url !== undefined && !isHttpUrl(request.callback_url)) {
    return invalid('syntax_invalid_parameter_format', `callback_url: '${request.callback_url}' is not a URL`)
      .error;
  }
  return undefined;
}

/** Validates a send (or dry run, or replace) body of any type; unknown fields are dropped. */
export function parseBatchRequest(body: unknown): ParsedBatchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid('syntax_invalid_json', 'The body must be a JSON object');
  }
  const type = typeOf(body);
  if (!type) {
    return invalid('syntax_invalid_parameter_format', `type: must be one of ${BATCH_TYPES.join(', ')}`);
  }
  const parsed = sendSchemaFor(type).safeParse(body, { reportInput: true });
  if (!parsed.success) return errorFromIssue(parsed.error.issues[0]);
  const request = { ...parsed.data, type } as BatchSend;
  const problem = checkRequest(request);
  return problem ? { ok: false, error: problem } : { ok: true, request };
}

/** 403 `missing_callback_url` when a report is asked for and no URL exists anywhere (§5). */
export function checkCallbackUrl(
  request: Pick<BatchSend, 'delivery_report' | 'callback_url'>,
  defaultCallbackUrl: string | undefined,
): SinchApiError | undefined {
  const wantsReport = (request.delivery_report ?? 'none') !== 'none';
  if (wantsReport && !request.callback_url && !defaultCallbackUrl) {
    return {
      status: 403,
      code: 'missing_callback_url',
      text: 'A delivery report was requested but no callback URL is set on the batch or the service plan',
    };
  }
  return undefined;
}

/**
 * The batch object Sinch would answer with for a valid request: the request's fields echoed, numbers
 * without `+`, dates in UTC with milliseconds. `createdAt` is kept by replace and update.
 */
export function buildBatch(id: string, request: BatchSend, now: Date, createdAt?: string): EmulatedBatch {
  const { to, send_at, expire_at, delivery_report, ...rest } = request;
  const sendAt = send_at ? new Date(send_at) : undefined;
  const expireAt = expire_at ? new Date(expire_at) : new Date((sendAt ?? now).getTime() + THREE_DAYS_MS);
  const batch: EmulatedBatch = {
    id,
    to: to.map(normalizeMsisdn),
    canceled: false,
    ...rest,
    created_at: createdAt ?? now.toISOString(),
    modified_at: now.toISOString(),
    delivery_report: delivery_report ?? 'none',
    expire_at: expireAt.toISOString(),
  };
  if (sendAt) batch.send_at = sendAt.toISOString();
  return batch;
}
