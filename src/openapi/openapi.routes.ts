import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { pageCsp, publicDir } from '../http/static-pages';
import { openApiDocumentFor } from './openapi.document';

const here = dirname(fileURLToPath(import.meta.url));
/** Swagger UI's files come from the installed package: the reference works with no network. */
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-16x16.png',
  'favicon-32x32.png',
]);

/** GET /openapi.json, the document; GET /docs, the API reference rendered from it by Swagger UI. */
export function openApiRoutes(deps: { config: { publicBaseUrl?: string | undefined } }): Router {
  const router = Router();
  const pages = publicDir(here, 'openapi');

  // The service's public address when configured; else the origin the document was fetched from, so
  // that importing it by URL into Postman gives requests to this very service.
  router.get('/openapi.json', (req, res) => {
    res.json(openApiDocumentFor(deps.config.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`));
  });

  // Swagger UI sets inline styles on its elements: allowed on these pages only, and no script inline.
  const csp = pageCsp({ inlineStyles: true });
  router.get('/docs', (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (!req.path.endsWith('/')) {
      res.redirect(301, '/docs/');
      return;
    }
    next();
  });
  router.use(
    '/docs/assets',
    csp,
    (req, _res, next) => {
      if (!SWAGGER_UI_FILES.has(req.path.slice(1))) {
        next('router');
        return;
      }
      next();
    },
    express.static(swaggerUiDir, { index: false, maxAge: '1h' }),
  );
  router.use('/docs', csp, express.static(pages, { index: 'docs.html', maxAge: 0 }));
  return router;
}
