import { AppError, isForeignError } from '../core/errors';

/** The database failed: 503, so a caller (or Sinch, for callbacks) tries again. */
export function storageUnavailable(cause: unknown): Error {
  // Our own errors and Sinch's, thrown inside a wrapped block, keep their meaning.
  if (cause instanceof AppError || isForeignError(cause)) return cause;
  return new AppError('STORAGE_UNAVAILABLE', 'Storage is unavailable; try again shortly.', undefined, {
    cause,
  });
}
