import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A request id per request (an incoming `X-Request-Id` is honoured when it is sane, and echoed),
 * a child logger on `req.log`, and one line per finished request.
 */
export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(_req, res, err) {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // pino-http invents an Error with a stack into itself for every 5xx; keep only real errors.
    customErrorObject: (_req, res, _err, val: Record<string, unknown>) =>
      (res as ServerResponse & { err?: unknown }).err ? val : { ...val, err: undefined },
    customSuccessMessage: (req, res, time) =>
      `${req.method} ${req.url} ${res.statusCode} ${Math.round(time)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
  });
}
