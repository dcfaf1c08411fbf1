/** The closed set of machine-readable codes in the service's error envelope. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'BAD_REQUEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN_DESTINATION'
  | 'RATE_LIMITED'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'OPTED_OUT'
  | 'NOT_CANCELLABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DESTINATION_RATE_LIMITED'
  | 'DAILY_CAP_REACHED'
  | 'KEY_DAILY_CAP_REACHED'
  | 'SINCH_REJECTED'
  | 'SINCH_UNAVAILABLE'
  | 'SINCH_TIMEOUT'
  | 'STORAGE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
    case 'BAD_REQUEST':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN_DESTINATION':
      return 403;
    case 'NOT_FOUND':
      return 404;
    // The path is known, the method is not: the Allow header lists those it takes.
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'IDEMPOTENCY_KEY_IN_USE':
    // A recipient asked not to be messaged (STOP): sending anyway would break the rules of the route.
    case 'OPTED_OUT':
    // The message has no Sinch batch (its send failed or was refused): nothing to cancel.
    case 'NOT_CANCELLABLE':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
    case 'DESTINATION_RATE_LIMITED':
    // This key's own day is spent; other keys still send.
    case 'KEY_DAILY_CAP_REACHED':
      return 429;
    case 'SINCH_REJECTED':
    case 'SINCH_UNAVAILABLE':
      return 502;
    case 'STORAGE_UNAVAILABLE':
    case 'DAILY_CAP_REACHED':
      return 503;
    case 'SINCH_TIMEOUT':
      return 504;
    case 'INTERNAL_ERROR':
      return 500;
  }
}

/** An error the HTTP layer turns into the service's JSON envelope as it is. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  /** Sent as Retry-After: when trying again can work (a limit that frees up). */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.status = statusForCode(code);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The one JSON shape of every error response. */
export type ErrorBody = {
  error: string;
  code: ErrorCode;
  requestId: string;
  details?: unknown;
};

/**
 * A fault from outside the service (Sinch, say) that knows how it is answered and logged. The error
 * handler asks this rather than knowing each client's error class, so this file knows none of them.
 */
export interface ForeignError extends Error {
  /** The answer the caller gets: never the outside service's own HTTP status. */
  toAppError(): AppError;
  /** One log line for the fault: `error` when an operator has to act, else `warn`. */
  readonly logAs: { level: 'warn' | 'error'; message: string };
}

export function isForeignError(err: unknown): err is ForeignError {
  return err instanceof Error && typeof (err as Partial<ForeignError>).toAppError === 'function';
}
