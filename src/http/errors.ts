/** The closed set of machine-readable codes in the service's error envelope. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'SINCH_REJECTED'
  | 'SINCH_UNAVAILABLE'
  | 'SINCH_TIMEOUT'
  | 'STORAGE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'SINCH_REJECTED':
    case 'SINCH_UNAVAILABLE':
      return 502;
    case 'STORAGE_UNAVAILABLE':
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

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = statusForCode(code);
  }
}

/** The one JSON shape of every error response. */
export type ErrorBody = {
  error: string;
  code: ErrorCode;
  requestId: string;
  details?: unknown;
};

/** The database failed: 503, so a caller (or Sinch, for callbacks) tries again. */
export function storageUnavailable(cause: unknown): AppError {
  return new AppError('STORAGE_UNAVAILABLE', 'Storage is unavailable; try again shortly.', undefined, {
    cause,
  });
}
