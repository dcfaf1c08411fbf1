import { normalizeTimestamp } from './timestamps';

/** Sinch stops delivery attempts at most (and by default) three days after the send time. */
export const MAX_BATCH_EXPIRY_MS = 3 * 24 * 3600 * 1000;

/** How far back a batch is looked up by client reference: Sinch lists 14 days; a day of margin. */
export const LOOKUP_WINDOW_MS = 13 * 86_400_000;

/** Where a lookup for a message starts: ten minutes before it was stored, as clocks differ. */
export function lookupSince(storedAt: string): string {
  return new Date(Date.parse(storedAt) - 10 * 60_000).toISOString();
}

/** Sinch's default and maximum expiry: delivery attempts stop three days after the batch is sent. */
export function defaultExpiry(createdAt: string | undefined): string {
  const from = normalizeTimestamp(createdAt) ?? new Date().toISOString();
  return new Date(Date.parse(from) + MAX_BATCH_EXPIRY_MS).toISOString();
}
