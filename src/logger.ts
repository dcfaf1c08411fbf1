import pino, { type DestinationStream, type Logger } from 'pino';
import { SIGNATURE_HEADERS } from './sinch/signing';

export type { Logger };

/**
 * Where credentials may sit in a line, the child loggers' bindings included: headers, the config
 * object, fields named like one, and such a field of any top-level object (`*`). Blanked by
 * `redacted` below rather than by pino's `redact` option: that option's wildcard paths cost every
 * line, whether or not it holds one, about 12 KB of garbage (4.5 times the line itself), and a
 * callback's one line at info so made a sixth of what a callback allocates (bench/NOTES.md).
 */
export const REDACT_PATHS: ReadonlyArray<readonly string[]> = [
  ['req', 'headers', 'authorization'],
  ['req', 'headers', 'x-api-key'],
  ['req', 'headers', SIGNATURE_HEADERS.signature],
  ['req', 'headers', 'cookie'],
  ['headers', 'authorization'],
  ['config', 'sinch', 'apiToken'],
  ['config', 'apiKeys'],
  ['config', 'webhookAuth', 'hmacSecrets'],
  ['config', 'webhookAuth', 'basicCredentials'],
  ...['apiToken', 'apiKey', 'apiKeys', 'hmacSecrets', 'basicCredentials', 'token', 'secret', 'password'].map(
    (name) => [name],
  ),
  ...['apiKey', 'secret', 'password'].map((name) => ['*', name]),
];

const CENSOR = '[redacted]';

type Fields = Record<string, unknown>;

/**
 * A shallow copy that keeps the prototype and every own property (an error's message and stack), as
 * values: a getter is read on the original (newer Node's `stack` getter answers nothing on a copy),
 * and a frozen or sealed original gives a copy whose fields can be blanked.
 */
function copyOf(value: object): Fields {
  if (Array.isArray(value)) return [...value] as unknown as Fields;
  const copy = Object.create(Object.getPrototypeOf(value)) as Fields;
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const key of Reflect.ownKeys(descriptors)) {
    const { get, value: own, enumerable } = descriptors[key as string] as PropertyDescriptor;
    const field = get ? (value as Fields)[key as string] : own;
    Object.defineProperty(copy, key, { value: field, enumerable, writable: true, configurable: true });
  }
  return copy;
}

/** `value` with `path[at…]` blanked: the same object when nothing is there, else a copy of the way to it. */
function blanked(value: unknown, path: readonly string[], at: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  const fields = value as Fields;
  const name = path[at] as string;
  if (name !== '*') return Object.hasOwn(fields, name) ? blankedAt(fields, name, path, at) : value;
  let line = fields;
  for (const key in fields) if (Object.hasOwn(fields, key)) line = blankedAt(line, key, path, at);
  return line;
}

function blankedAt(fields: Fields, key: string, path: readonly string[], at: number): Fields {
  // An undefined field is left out of the line anyway: blanking it would show a secret that is not there.
  if (fields[key] === undefined) return fields;
  const next = at === path.length - 1 ? CENSOR : blanked(fields[key], path, at + 1);
  if (next === fields[key]) return fields;
  const copy = copyOf(fields);
  Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A line's fields with every REDACT_PATHS value blanked; the caller's objects are left as they are. */
export function redacted(fields: Fields): Fields {
  let line = fields;
  for (const path of REDACT_PATHS) line = blanked(line, path, 0) as Fields;
  return line;
}

/**
 * Errors as pino writes them, except that one which says it is an expected fault (a Sinch 503, a
 * timeout) is written without its stack: the stack of our HTTP plumbing says nothing, the fields do.
 */
function serializeError(err: unknown): unknown {
  const line = pino.stdSerializers.err(err as Error);
  if ((err as { expectedFault?: unknown } | null)?.expectedFault === true) {
    return { ...line, stack: undefined };
  }
  return line;
}

/**
 * Standard output as pino writes it by default (sonic-boom, asynchronous, flushed at exit), but in
 * chunks of at most 2 KB: sonic-boom measures its pending chunk at every line, and a string built by
 * appending is copied whole to be measured, so with its 16 KB chunks each line under load copied
 * about 8 KB (11.6 KB allocated per line against 4.3 KB; bench/NOTES.md). A write still carries
 * several lines.
 */
const stdoutLines = () => pino.destination({ dest: process.stdout.fd, sync: false, maxWrite: 2048 });

/** One JSON line per event; pass a destination to capture the lines (tests do). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'sinch-sms-dlr' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      formatters: { level: (label) => ({ level: label }), log: redacted },
    },
    destination ?? stdoutLines(),
  );
  // pino gives a child's bindings to no formatter: they are blanked on the way in. Children of
  // children inherit these methods from the root.
  const { child, setBindings } = logger;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redacted(bindings), options);
  } as Logger['child'];
  logger.setBindings = function (this: Logger, bindings) {
    setBindings.call(this, redacted(bindings));
  };
  return logger;
}
