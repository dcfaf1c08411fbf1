import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { pageCsp, publicDir } from '../http/static-pages';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The web console: static files that call the same API as curl does, with the key the person enters.
 * Served at / and /console/; its CSP allows this origin only and no inline script or style.
 */
export function consoleRoutes(): Router {
  const router = Router();
  const files = publicDir(here, 'console');
  const csp = pageCsp();
  router.get(['/', '/console', '/console/'], csp, (_req, res) => {
    res.sendFile('index.html', { root: files, headers: { 'Cache-Control': 'no-cache' } });
  });
  router.use('/console', csp, express.static(files, { index: false, maxAge: 0 }));
  return router;
}
