import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, type ErrorBody, type ErrorCode, isForeignError, statusForCode } from '../core/errors';
import { isStorageUnavailable, isUnstorableValue, unstorableReason } from '../db/storage-errors';
import type { Logger } from '../logger';

/** The service's one error envelope. */
export function errorBody(code: ErrorCode, message: string, requestId: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { error: message, code, requestId };
  if (details !== undefined) body.details = details;
  return body;
}

/** Writes the service's one error envelope. */
export function sendError(res: Response, code: ErrorCode, message: string, details?: unknown): void {
  // Read by metrics once the response is finished.
  res.locals.errorCode = code;
  res.status(statusForCode(code)).json(errorBody(code, message, String(res.req.id ?? ''), details));
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

/** Errors thrown by express's body parsers carry `type` and `status`. */
type ParserError = Error & { type?: string; status?: number; expose?: boolean };

function fromFramework(err: ParserError): AppError | undefined {
  // The router could not decode a path parameter (`/messages/%ff`): the client's fault, answered 400.
  if (err instanceof URIError && err.status === 400) {
    return new AppError('BAD_REQUEST', 'The request path is not validly percent-encoded.');
  }
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported.');
    default:
      // Any other client-side fault the body parser reports (a corrupt gzip body, a length that lies)
      // is the client's, not a 500 of ours.
      if (err.expose && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return new AppError('BAD_REQUEST', 'The request body could not be read.');
      }
      return undefined;
  }
}

/** The database is down or overloaded: 503, so a caller (or Sinch, for callbacks) tries again. */
function fromStorage(err: unknown): AppError | undefined {
  // A value the database will never take (out of range, NUL): trying again cannot help, so a 400.
  if (isUnstorableValue(err)) {
    return new AppError('BAD_REQUEST', 'The request holds a value that cannot be stored.');
  }
  if (!isStorageUnavailable(err)) return undefined;
  return new AppError('STORAGE_UNAVAILABLE', 'Storage is unavailable; try again shortly.', undefined, {
    cause: err,
  });
}

/**
 * What an error is answered with: our own errors as they are (an outside service's mapped by the error
 * itself), the framework's and the database driver's mapped to our codes, anything else a fixed 500
 * message. `fault` is what the request's log line carries (a 5xx of ours), logged once with the request
 * id. Shared by the error handler and the callback fast path (callbacks/callback-fast-path.ts).
 */
export function errorAnswer(err: unknown, log: Logger): { error: AppError; fault?: Error } {
  const foreign = isForeignError(err);
  // A fault of an outside service (Sinch) logs its own line; it is not ours to carry a stack for.
  if (foreign) log[err.logAs.level]({ err }, err.logAs.message);
  if ((err as ParserError).type === 'entity.too.large') {
    const { limit, length } = err as ParserError & { limit?: number; length?: number };
    log.warn({ limit, length }, 'request refused: body over the limit of its route');
  }
  if (!(err instanceof AppError) && isUnstorableValue(err)) {
    log.warn(
      { reason: unstorableReason(err) },
      'request refused: it holds a value the database cannot store',
    );
  }
  const known =
    err instanceof AppError
      ? err
      : foreign
        ? err.toAppError()
        : (fromFramework(err as ParserError) ?? fromStorage(err));
  if (known) {
    // A 5xx of ours (storage down) carries its cause into the request's log line; the daily cap is a
    // deliberate refusal, logged once when it starts, not a fault with a stack.
    const fault = known.status >= 500 && !foreign && known.code !== 'DAILY_CAP_REACHED';
    return fault ? { error: known, fault: known } : { error: known };
  }
  return {
    error: new AppError('INTERNAL_ERROR', 'Something went wrong on our side.'),
    fault: err instanceof Error ? err : new Error(String(err)),
  };
}

/** Answers every error with the one envelope (errorAnswer); the fault goes to the request's log line. */
export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const { error, fault } = errorAnswer(err, req.log);
  if (fault) res.err = fault;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  sendError(res, error.code, error.message, error.details);
};
