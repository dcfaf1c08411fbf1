/** A date and time with no offset: Sinch reads it as UTC (docs/sinch-sms-api.md §2), and so do we. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Sinch timestamps normalised to `toISOString()` form so they compare as text; unparsable ones are
 * dropped. Every ISO 8601 form Sinch uses parses: with or without seconds and fraction (any number of
 * digits), `Z`, `+00:00` or `+0000`, and none at all (UTC, whatever the server's time zone).
 */
export function normalizeTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.trim();
  const time = Date.parse(NO_OFFSET.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
