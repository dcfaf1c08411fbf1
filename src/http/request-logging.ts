import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the caller's `X-Request-Id` when sane, else a new UUID. */
    id: string;
    /** A logger whose lines carry this request's id, method and url. */
    log: Logger;
  }
  interface ServerResponse {
    /** The fault behind a 5xx, set by the error handler: logged with the request's line. */
    err?: Error;
    /**
     * Set by a route whose own lines already say what became of each request (a callback has its
     * `delivery status` line): its line for a 2xx answer is at debug, one line a callback at info.
     */
    quietWhenOk?: boolean;
  }
}

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

// Query parameters whose name suggests a credential; their values never reach a log line.
const SECRET_NAME = /key|token|secret|sig|pass|auth|cred|session|jwt|bearer/i;

/**
 * The URL as logs may hold it: a caller may put a key or a secret in the query (`?api_key=…`), so the
 * value of any parameter named like one is replaced. Other values (`limit`, `status`) stay for debugging.
 */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const pairs = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const name = pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A name that does not decode is judged as it is written.
      }
      return SECRET_NAME.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, mark)}?${pairs.join('&')}`;
}

/** The level of a finished request's line: errors and 5xx at error, 4xx at warn, the rest at info. */
function levelOf(res: ServerResponse): 'error' | 'warn' | 'info' | 'debug' {
  if (res.err || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return res.quietWhenOk ? 'debug' : 'info';
}

/**
 * A request id per request (an incoming `X-Request-Id` is honoured when it is sane, and echoed),
 * a child logger on `req.log`, and one line per finished request.
 *
 * Written here rather than taken from pino-http, which builds a child logger (serialising the request)
 * for every request whether or not anything is logged: under a flood of callbacks at level warn that
 * alone took a fifth of the service's rate. Here the child is made on first use, and the request's line
 * costs nothing when its level is off.
 */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    trackRequest(logger, req, res, req.originalUrl);
    next();
  };
}

/**
 * What requestLogging does for one request, on node's own request and response: also used by the
 * callback fast path, which answers before Express sees the request.
 */
export function trackRequest(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  rawUrl: string,
): void {
  const startedAt = performance.now();
  const url = loggableUrl(rawUrl);
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader('X-Request-Id', id);

  let child: Logger | undefined;
  const requestLogger = () => {
    child ??= logger.child({ req: { id, method: req.method, url } });
    return child;
  };
  Object.defineProperty(req, 'log', { get: requestLogger, configurable: true, enumerable: false });

  // 'close' follows 'finish' on every response, and comes alone when the client went away first.
  res.once('close', () => {
    const level = res.writableFinished ? levelOf(res) : 'warn';
    if (!logger.isLevelEnabled(level)) return;
    const responseTime = Math.round(performance.now() - startedAt);
    const line = {
      res: { statusCode: res.statusCode },
      responseTime,
      ...(res.err ? { err: res.err } : {}),
    };
    const message = res.writableFinished
      ? `${req.method} ${url} ${res.statusCode} ${responseTime}ms`
      : `${req.method} ${url} closed by the client before the answer`;
    requestLogger()[level](line, message);
  });
}
