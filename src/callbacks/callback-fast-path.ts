import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, RequestHandler } from 'express';
import { trackRequest } from '../http/request-logging';
import { staticSecurityHeaders } from '../http/security-headers';
import type { Logger } from '../logger';
import { type CallbackIngest, writeCallbackAnswer } from './callback-ingest';

/** Handles the request and says so, or leaves it alone (false) for Express. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

const PATH = '/webhooks/dlr';

/**
 * POST /webhooks/dlr on node's own request and response, ahead of Express: callbacks are nearly all
 * the traffic, and Express's router, `res.send` and middleware stack cost a callback more than storing
 * it (bench/NOTES.md). What it does is the route's core (callback-ingest.ts): the same rate limiter
 * instance, the same size limit as the bytes arrive, authentication and quarantine, limits, writer,
 * metrics and log lines, the same answers with helmet's headers and the request id. Anything it does not
 * take exactly as the route would (another method, a path the router would still match such as a
 * trailing slash or other case, a compressed body Express would inflate) is left to Express untouched.
 */
export function callbackFastPath(ingest: CallbackIngest, app: Express, logger: Logger): FastPath {
  const headers = staticSecurityHeaders();
  return (req, res) => {
    const { url } = req;
    if (req.method !== 'POST' || url === undefined) return false;
    if (url !== PATH && !((url.startsWith(PATH) && url.charCodeAt(PATH.length) === 63) /* ? */)) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    for (const [name, value] of headers) res.setHeader(name, value);
    trackRequest(logger, req, res, url);
    answer(ingest, app, req, res).catch((err) => {
      // answer() maps every error to an answer; this is for a fault in writing it.
      req.log.error({ err }, 'callback answer failed');
      if (!res.headersSent) writeCallbackAnswer(res, ingest.answerError(err, req));
      else res.destroy();
    });
    return true;
  };
}

async function answer(ingest: CallbackIngest, app: Express, req: IncomingMessage, res: ServerResponse) {
  try {
    if (ingest.rateLimit.length > 0) await limit(ingest.rateLimit, app, req, res);
    const body = await readBody(req, ingest.maxBodyBytes);
    writeCallbackAnswer(res, await ingest.handle({ headers: req.headers, body, id: req.id, log: req.log }));
  } catch (error) {
    writeCallbackAnswer(res, ingest.answerError(error, req));
  }
}

/**
 * The route's own rate-limit middleware, run on this request. It is Express middleware (the client's
 * address as `trust proxy` says, `res.append` for its headers), so the request and response get
 * Express's prototypes first, as Express's own `app.handle` gives them; only when the limit is on.
 */
async function limit(handlers: RequestHandler[], app: Express, req: IncomingMessage, res: ServerResponse) {
  const expressApp = app as unknown as { request: object; response: object };
  Object.setPrototypeOf(req, expressApp.request);
  Object.setPrototypeOf(res, expressApp.response);
  Object.assign(req, { res, originalUrl: req.url });
  Object.assign(res, { req, locals: {} });
  for (const handler of handlers) {
    await new Promise<void>((resolve, reject) => {
      const next = (err?: unknown) => (err ? reject(err) : resolve());
      Promise.resolve(handler(req as never, res as never, next)).catch(reject);
    });
  }
}

/** The error raw-body (express.raw) gives, so the answer and the log line are those of the route. */
const bodyError = (type: string, status: number, fields: Record<string, number> = {}) =>
  Object.assign(new Error(type), { type, status, expose: true, ...fields });

/**
 * The body, refused as soon as it passes `limit` bytes (or declares more). As express.raw does, the
 * rest of a refused body is read and dropped before the answer, so the connection stays usable.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused: Error | undefined =
      declared > limit ? bodyError('entity.too.large', 413, { limit, length: declared }) : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (refused) return;
      if (size > limit) {
        refused = bodyError('entity.too.large', 413, { limit, length: size });
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    };
    const done = (error?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onEnd = () => done(refused);
    const onError = () => done(bodyError('request.aborted', 400));
    const onAborted = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
