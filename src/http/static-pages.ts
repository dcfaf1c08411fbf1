import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';

/**
 * The folder of a feature's static files. Run from source it is `public/` beside the feature's module;
 * in the bundle (dist/server.js) it is `dist/<feature>/public/`, where scripts/build.mjs copies it.
 */
export function publicDir(moduleDir: string, feature: string): string {
  const beside = join(moduleDir, 'public');
  return existsSync(beside) ? beside : join(moduleDir, feature, 'public');
}

/**
 * The Content-Security-Policy of a page this service serves, replacing the API's deny-all one: this
 * origin only, nothing from elsewhere, no inline scripts, no framing. `style` loosens inline styles for
 * a page whose library sets them.
 */
export function pageCsp(options: { inlineStyles?: boolean } = {}): RequestHandler {
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${options.inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    next();
  };
}
