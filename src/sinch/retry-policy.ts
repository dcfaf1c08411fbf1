import type { SinchError } from './sinch.errors';

export type RetryPolicy = {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Back-off before the first retry; doubles with each further one. */
  baseDelayMs: number;
  /** Total waiting allowed across all retries of one call. */
  maxTotalDelayMs: number;
};

/**
 * How long to wait before retry number `retry` (1-based), or undefined to give up. Sinch's
 * Retry-After wins when it names a longer wait; otherwise exponential back-off with full jitter,
 * so many instances retrying at once do not march in step.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  error: SinchError,
  waitedMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (!error.retryable || retry >= policy.maxAttempts) return undefined;
  const backoff = policy.baseDelayMs * 2 ** (retry - 1);
  const jittered = Math.round(backoff / 2 + random() * (backoff / 2));
  const requested = error.retryAfterSeconds === undefined ? 0 : error.retryAfterSeconds * 1000;
  const delay = Math.max(jittered, requested);
  return waitedMs + delay > policy.maxTotalDelayMs ? undefined : delay;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Longer than the slowest send can take: every attempt timing out, every back-off waited, and a minute
 * for the lookups by client reference and the database. An Idempotency-Key's lock outlasts it, so a
 * request still running is never taken over; so does the shutdown's grace, so none is cut off.
 */
export function slowestSendMs(sinch: { timeoutMs: number; maxAttempts: number; retryMaxMs: number }): number {
  return sinch.timeoutMs * sinch.maxAttempts + sinch.retryMaxMs + 60_000;
}
