import { AppError, type ForeignError } from '../core/errors';

/**
 * How a call to Sinch failed:
 * - `rejected`: Sinch answered 4xx (bad request, credentials, unknown batch, too many requests);
 * - `server`: Sinch answered 5xx;
 * - `timeout`: no answer in time, so Sinch may or may not have acted on the request;
 * - `network`: the connection failed (refused, reset, DNS);
 * - `invalid_response`: a 2xx whose body is not what the API documents.
 */
export type SinchErrorKind = 'rejected' | 'server' | 'timeout' | 'network' | 'invalid_response';

export type SinchErrorInit = {
  kind: SinchErrorKind;
  operation: string;
  httpStatus?: number;
  sinchCode?: string;
  sinchText?: string;
  retryAfterSeconds?: number;
  /** True when the request may have reached Sinch although no usable answer came back. */
  maybeDelivered?: boolean;
};

export class SinchError extends Error implements ForeignError {
  override readonly name = 'SinchError';
  readonly kind: SinchErrorKind;
  readonly operation: string;
  readonly httpStatus: number | undefined;
  readonly sinchCode: string | undefined;
  readonly sinchText: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly maybeDelivered: boolean;

  constructor(init: SinchErrorInit, options?: { cause?: unknown }) {
    super(SinchError.describe(init), options);
    this.kind = init.kind;
    this.operation = init.operation;
    this.httpStatus = init.httpStatus;
    this.sinchCode = init.sinchCode;
    this.sinchText = init.sinchText;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.maybeDelivered = init.maybeDelivered ?? false;
  }

  /** Whether the same request could succeed if tried again later. */
  get retryable(): boolean {
    if (this.kind === 'rejected') return this.httpStatus === 429;
    return this.kind !== 'invalid_response';
  }

  /** Sinch refused our credentials: an operator has to fix the configuration. */
  get isCredentialsProblem(): boolean {
    return this.kind === 'rejected' && (this.httpStatus === 401 || this.httpStatus === 403);
  }

  /** A fault outside the service, expected now and then: its stack (our HTTP plumbing) is not logged. */
  get expectedFault(): boolean {
    return true;
  }

  /** Sinch's own status never becomes ours: a failure upstream is a 502 (504 for a timeout). */
  toAppError(): AppError {
    const details = {
      sinchStatus: this.httpStatus,
      sinchCode: this.sinchCode,
      sinchText: this.sinchText,
      retryable: this.retryable,
    };
    switch (this.kind) {
      case 'rejected':
        return new AppError('SINCH_REJECTED', 'Sinch refused the request.', details);
      case 'timeout':
        return new AppError('SINCH_TIMEOUT', 'Sinch did not answer in time.', details);
      case 'server':
      case 'network':
      case 'invalid_response':
        return new AppError('SINCH_UNAVAILABLE', 'Sinch could not be reached or failed.', details);
    }
  }

  get logAs(): ForeignError['logAs'] {
    return this.isCredentialsProblem
      ? {
          level: 'error',
          message: 'sinch refused our credentials: check SINCH_SERVICE_PLAN_ID and SINCH_API_TOKEN',
        }
      : { level: 'warn', message: 'sinch call failed' };
  }

  private static describe(init: SinchErrorInit): string {
    const status = init.httpStatus ? ` with HTTP ${init.httpStatus}` : '';
    const detail = init.sinchCode ? `: ${init.sinchCode}${init.sinchText ? ` (${init.sinchText})` : ''}` : '';
    return `Sinch ${init.operation} failed (${init.kind})${status}${detail}`;
  }
}
