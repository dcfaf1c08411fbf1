import pino, { type DestinationStream, type Logger } from 'pino';
import { SIGNATURE_HEADERS } from './sinch/signing';

export type { Logger };

/** Paths pino blanks in every line: credentials may sit in headers and in the config object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  `req.headers["${SIGNATURE_HEADERS.signature}"]`,
  'req.headers.cookie',
  'headers.authorization',
  'config.sinch.apiToken',
  'config.apiKeys',
  'config.webhookAuth.hmacSecrets',
  'config.webhookAuth.basicCredentials',
  'apiToken',
  'apiKey',
  'apiKeys',
  'hmacSecrets',
  'basicCredentials',
  'token',
  'secret',
  'password',
  '*.apiKey',
  '*.secret',
  '*.password',
];

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

/** One JSON line per event; pass a destination to capture the lines (tests do). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'sinch-sms-dlr' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
