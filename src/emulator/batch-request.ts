import type { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
import { type TextBatchRequest, textBatchRequestSchema } from '../sinch/batches.schemas';
import type { EmulatedBatch } from './emulator.store';

/** A Sinch error body (docs/sinch-sms-api.md §2 "Errors") with the HTTP status to answer it with. */
export type SinchApiError = { status: number; code: string; text: string };

export type ParsedBatchRequest =
  | { ok: true; request: TextBatchRequest; extras: Record<string, unknown> }
  | { ok: false; error: SinchApiError };

const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

// Optional fields the shared schema does not model but Sinch echoes back.
const ECHOED_EXTRAS = [
  'feedback_enabled',
  'flash_message',
  'truncate_concat',
  'parameters',
  'from_ton',
  'from_npi',
];

const MSISDN = /^[1-9]\d{5,14}$/;

function invalid(code: string, text: string): ParsedBatchRequest {
  return { ok: false, error: { status: 400, code, text } };
}

/** Sinch tells "value has the wrong form" apart from "value breaks a limit or is missing". */
function errorFromIssue(issue: z.core.$ZodIssue): ParsedBatchRequest {
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

/** Validates a `POST /batches` (or dry run) body with the shared client schema plus Sinch's own checks. */
export function parseBatchRequest(body: unknown): ParsedBatchRequest {
  const parsed = textBatchRequestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    return first ? errorFromIssue(first) : invalid('syntax_constraint_violation', 'invalid request');
  }
  const request = parsed.data;
  const badNumber = request.to.find((to) => !MSISDN.test(normalizeMsisdn(to)));
  if (badNumber !== undefined) {
    return invalid('syntax_invalid_parameter_format', `'${badNumber}' is not a valid phone number`);
  }
  for (const field of ['send_at', 'expire_at'] as const) {
    const value = request[field];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      return invalid('syntax_invalid_parameter_format', `${field}: '${value}' is not an ISO-8601 date`);
    }
  }
  if (request.send_at && request.expire_at && Date.parse(request.expire_at) <= Date.parse(request.send_at)) {
    return invalid('syntax_constraint_violation', 'expire_at must be after send_at');
  }
  if (request.callback_url !== undefined && !isHttpUrl(request.callback_url)) {
    return invalid('syntax_invalid_parameter_format', `callback_url: '${request.callback_url}' is not a URL`);
  }
  const raw = body as Record<string, unknown>;
  const extras = Object.fromEntries(
    ECHOED_EXTRAS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]),
  );
  return { ok: true, request, extras };
}

/** 403 `missing_callback_url` when a report is asked for and no URL exists anywhere (§5). */
export function checkCallbackUrl(
  request: TextBatchRequest,
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

/** The batch object Sinch would answer with for a valid request. */
export function buildBatch(
  id: string,
  request: TextBatchRequest,
  extras: Record<string, unknown>,
  now: Date,
): EmulatedBatch {
  const created = now.toISOString();
  const sendAt = request.send_at ? new Date(request.send_at) : undefined;
  const expireAt = request.expire_at
    ? new Date(request.expire_at)
    : new Date((sendAt ?? now).getTime() + THREE_DAYS_MS);
  const batch: EmulatedBatch = {
    id,
    to: request.to.map(normalizeMsisdn),
    canceled: false,
    body: request.body,
    type: 'mt_text',
    created_at: created,
    modified_at: created,
    delivery_report: request.delivery_report ?? 'none',
    expire_at: expireAt.toISOString(),
    ...extras,
  };
  if (request.from !== undefined) batch.from = request.from;
  if (sendAt) batch.send_at = sendAt.toISOString();
  if (request.callback_url !== undefined) batch.callback_url = request.callback_url;
  if (request.client_reference !== undefined) batch.client_reference = request.client_reference;
  if (request.max_number_of_message_parts !== undefined) {
    batch.max_number_of_message_parts = request.max_number_of_message_parts;
  }
  return batch;
}
