/**
 * Which errors mean "the database cannot serve us right now": the request may work if tried again, so
 * the answer is 503 (and Sinch retries a callback). Anything else a query throws (a constraint, bad
 * SQL, a TypeError in our code) is a bug and stays a 500, so that it is seen.
 */

/** better-sqlite3's primary result codes for a file that is busy, unreadable, full or gone. */
const SQLITE_UNAVAILABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
]);

/**
 * PostgreSQL SQLSTATE classes: 08 connection exception, 40 transaction rollback (a deadlock or a
 * serialization failure: the server chose this transaction to give way, and it may well pass if tried
 * again), 53 insufficient resources (disk, memory, too many connections), 57P operator intervention
 * (shutdown, cannot connect now), 58 system error (I/O).
 */
const PG_UNAVAILABLE = /^(08|40|53|57P|58)/;

/** Socket errors from connecting to PostgreSQL. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

/** Drivers that say it in words only: a closed handle, a pool that timed out or was ended. */
const UNAVAILABLE_MESSAGES = [
  // Kysely, after db.destroy()
  'driver has already been destroyed',
  // better-sqlite3, on a closed database
  'The database connection is not open',
  // pg and pg-pool
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Cannot use a pool after calling end on the pool',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function isUnavailable(err: Error & { code?: unknown; severity?: unknown }): boolean {
  const { code } = err;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_UNAVAILABLE.has(code.split('_', 2).join('_'));
    if (NETWORK_CODES.has(code)) return true;
    // pg's DatabaseError carries the server's SQLSTATE and its severity.
    if (err.severity !== undefined && /^[0-9A-Z]{5}$/.test(code)) return PG_UNAVAILABLE.test(code);
  }
  return UNAVAILABLE_MESSAGES.some((text) => err.message.startsWith(text));
}

/** Whether the error, or one it was caused by, says the database is unavailable. */
export function isStorageUnavailable(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isUnavailable(current)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * PostgreSQL SQLSTATE classes for a value the database will never take as it is: 22 data exception
 * (a number out of range, NUL in text, a bad encoding), 54 program limit exceeded (a row too large).
 */
const PG_UNSTORABLE = /^(22|54)/;

/** JavaScript's own refusals of a value too deep or too large to write out (JSON.stringify, a string). */
const JS_UNSTORABLE = ['Maximum call stack size exceeded', 'Invalid string length'];

function isUnstorable(err: Error & { code?: unknown; severity?: unknown }): boolean {
  const { code } = err;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH';
    if (err.severity !== undefined && /^[0-9A-Z]{5}$/.test(code)) return PG_UNSTORABLE.test(code);
  }
  return err instanceof RangeError && JS_UNSTORABLE.some((text) => err.message.startsWith(text));
}

/**
 * Whether the error says the input itself cannot be stored, however often it is tried: the request is
 * the client's fault (a 4xx), and a callback is kept in a form that can be stored instead (a retry by
 * Sinch would fail the same way for days).
 */
export function isUnstorableValue(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isUnstorable(current)) return true;
    current = current.cause;
  }
  return false;
}

/** What the database refused, for the log and the callback's `problem`, bounded to its column. */
export function unstorableReason(err: unknown): string {
  const error: Error & { code?: unknown } = err instanceof Error ? err : new Error(String(err));
  const code = typeof error.code === 'string' ? `${error.code}: ` : '';
  return `${code}${error.message}`.slice(0, 500);
}
