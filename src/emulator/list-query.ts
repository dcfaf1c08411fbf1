import type { Request } from 'express';
import type { SinchApiError } from './batch-request';

/** Query parameters shared by Sinch's list endpoints (`GET /batches`, `/delivery_reports`, `/inbounds`). */
export type ListQuery = { page: number; pageSize: number; from: number; until: number };

const DAY_MS = 86_400_000;

function badParameter(text: string): { error: SinchApiError } {
  return { error: { status: 400, code: 'syntax_invalid_parameter_format', text } };
}

/** A non-negative integer query parameter; undefined when absent, NaN when malformed. */
export function intQuery(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** An ISO-8601 query parameter as epoch ms; undefined when absent, NaN when not a date. */
export function dateQuery(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

/** A comma-separated query parameter (repeated parameters are joined too); undefined when absent. */
export function commaList(value: unknown): string[] | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  if (typeof joined !== 'string' || joined.trim() === '') return undefined;
  return joined
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A string query parameter, or undefined. */
export function stringQuery(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `page` (from 0), `page_size` (1–100, default 30), `start_date` (default a day ago) and `end_date`
 * (default now), as Sinch reads them; an error for a malformed one.
 */
export function listQuery(req: Request): ListQuery | { error: SinchApiError } {
  const page = intQuery(req.query.page) ?? 0;
  const pageSize = intQuery(req.query.page_size) ?? 30;
  if (Number.isNaN(page) || Number.isNaN(pageSize) || pageSize < 1 || pageSize > 100) {
    return badParameter('page must be ≥ 0 and page_size between 1 and 100');
  }
  const from = dateQuery(req.query.start_date) ?? Date.now() - DAY_MS;
  const until = dateQuery(req.query.end_date) ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(from) || Number.isNaN(until)) {
    return badParameter('start_date and end_date must be ISO-8601 dates');
  }
  return { page, pageSize, from, until };
}

/**
 * One page of a list in Sinch's envelope, `{ count, page, page_size, <key>: [...] }`: `count` is every
 * match, `page_size` the entries on this page (Sinch's own examples: 2, 1, then 0 on the page past the end).
 */
export function pageOf<T>(key: string, items: T[], query: ListQuery): Record<string, unknown> {
  const { page, pageSize } = query;
  const entries = items.slice(page * pageSize, (page + 1) * pageSize);
  return { count: items.length, page, page_size: entries.length, [key]: entries };
}
