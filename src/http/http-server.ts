import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Config } from '../config';

/** A handler that answers some requests itself, ahead of the app, and says which (true: answered). */
export type AheadOfApp = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The HTTP server the app listens on, with limits for a public webhook receiver: a client has
 * `headersTimeoutMs` to send its headers and `requestTimeoutMs` for the whole request, an idle
 * keep-alive connection is closed after `keepAliveTimeoutMs`, and at most `maxConnections` are open
 * (more are closed at once), so idle or slow clients cannot use up the file descriptors.
 *
 * Once `shuttingDown()` holds, every response not yet started says `Connection: close` and its socket
 * is closed after it: a client opens a new connection (to another instance) rather than sending its
 * next request on a socket that is about to be reset.
 *
 * `ahead` sees each request first (the callback fast path, callbacks/callback-fast-path.ts); what it
 * leaves goes to the app. Both answer under the same limits and the same shutdown rule.
 */
export function createHttpServer(
  app: RequestListener,
  limits: Config['http'],
  shuttingDown: () => boolean,
  ahead?: AheadOfApp,
): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default), which would stretch them.
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    ahead ? (req, res) => ahead(req, res) || app(req, res) : app,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Before the app sees the request, so no response can write its headers unseen.
  server.prependListener('request', (_req, res: ServerResponse) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
      if (shuttingDown()) this.setHeader('Connection', 'close');
      return writeHead.apply(this, args);
    } as typeof res.writeHead;
  });
  return server;
}
