import { AppError } from '../core/errors';
import { nestsDeeperThan, tooDeep } from '../http/json-limits';
import type { Logger } from '../logger';
import { BATCH_LIMITS } from '../sinch/batches.schemas';

/**
 * What a callback body must be before anything else is done with it: the one place of these limits,
 * used by POST /webhooks/dlr and by any fast path for it. Each refusal here is for a body that can never
 * be valid, whoever retries it (Sinch drops a callback answered 4xx for good, so nothing else is
 * refused): over-deep JSON, not a JSON object, a report naming more recipients than a batch can hold.
 * The size (config.limits.callbackMaxBodyBytes) is checked by the body parser as the bytes arrive.
 */
export function readCallbackBody(
  bytes: Buffer,
  maxDepth: number,
  log: Logger,
): { payload: Record<string, unknown>; raw: string } {
  if (nestsDeeperThan(bytes, maxDepth)) {
    log.warn({ maxDepth, bytes: bytes.length }, 'callback refused: JSON body nested too deep');
    throw tooDeep(maxDepth);
  }
  const raw = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new AppError('INVALID_JSON', 'The callback body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('VALIDATION_FAILED', 'The callback body must be a JSON object.');
  }
  const payload = value as Record<string, unknown>;
  const named = recipientsNamed(payload);
  if (named > BATCH_LIMITS.maxRecipients) {
    log.warn({ recipients: named, max: BATCH_LIMITS.maxRecipients }, 'callback refused: too many recipients');
    throw new AppError(
      'BAD_REQUEST',
      `The report names ${named} recipients; a batch holds ${BATCH_LIMITS.maxRecipients} at most.`,
    );
  }
  return { payload, raw };
}

/** Recipients a batch report names across its statuses (0 for anything else), before any schema. */
function recipientsNamed(payload: Record<string, unknown>): number {
  const { statuses } = payload;
  if (!Array.isArray(statuses)) return 0;
  let count = 0;
  for (const entry of statuses) {
    const recipients: unknown = typeof entry === 'object' && entry !== null ? entry.recipients : undefined;
    if (Array.isArray(recipients)) count += recipients.length;
  }
  return count;
}

/** Bodies this large or larger are parsed one per turn of the event loop; smaller ones at once. */
const LARGE_BODY_BYTES = 32 * 1024;
let lastLarge: Promise<unknown> = Promise.resolve();

/**
 * Runs `read` (the parse of a body of `size` bytes) at once when the body is small; a large one waits
 * for the large ones before it and then runs in a turn of the event loop of its own. 50 bodies of
 * 250 KB arriving together are each a few ms of JSON.parse: run back to back in one I/O phase they
 * held the loop for half a second on a busy machine; one per turn, a health check (or a small
 * callback) is answered between two of them.
 */
export function inTurn<T>(size: number, read: () => T): Promise<T> {
  if (size < LARGE_BODY_BYTES) return Promise.resolve().then(read);
  const run = lastLarge.then(
    () =>
      new Promise<T>((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(read());
          } catch (error) {
            reject(error);
          }
        });
      }),
  );
  lastLarge = run.catch(() => undefined);
  return run;
}
