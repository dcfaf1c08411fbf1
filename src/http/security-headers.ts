import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * A JSON API: helmet's headers (nosniff, no framing, HSTS) and a CSP that allows nothing; the pages
 * (console, API reference) replace it with their own, this origin only (http/static-pages.ts).
 */
export const securityHeaders = () =>
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
  });

/**
 * The headers securityHeaders() sets, as name and value, read once by running it against a response
 * that only records them: they depend on nothing in the request. A handler that runs ahead of Express
 * (the callback fast path) sets these, so that its answers carry exactly what the app's do.
 */
export function staticSecurityHeaders(): ReadonlyArray<readonly [string, string]> {
  const headers: Array<readonly [string, string]> = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.push([name, String(value)]);
      return recorder;
    },
    removeHeader() {},
  };
  let done = false;
  securityHeaders()({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be read ahead');
  return headers;
}
