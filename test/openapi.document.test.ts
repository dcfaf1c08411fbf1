import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { API_VERSION, openApiDocument, openApiDocumentFor } from '../src/openapi/openapi.document';
import { makeTestApp, testConfig } from './helpers/app';
import { contractProblems } from './helpers/contract';

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every METHOD /path the app routes, from Express's router stacks, in OpenAPI's {param} spelling. */
function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      return paths.flatMap((path: string) =>
        Object.keys(layer.route?.methods ?? {}).map(
          (method) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      );
    }
    return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
  });
}

const PAGES = new Set(['GET /', 'GET /console', 'GET /console/', 'GET /docs']);

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(
      openApiDocument() as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(openApiDocument().openapi).toBe('3.1.0');
  });

  it('carries the version of package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(API_VERSION).toBe(pkg.version);
  });

  it('declares every route the app serves, and no route it does not', async () => {
    const { app } = await makeTestApp();
    const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
    // The pages are HTML for people, not API operations.
    const served = routesOf(stack).filter((route) => !PAGES.has(route));
    const documented = Object.entries(openApiDocument().paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it('declares both API key schemes and Sinch’s callback credentials', () => {
    const schemes = openApiDocument().components?.securitySchemes ?? {};
    expect(schemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      sinchBasic: { type: 'http', scheme: 'basic' },
    });
    expect(openApiDocument().security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
  });

  it('is served at GET /openapi.json as built', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/openapi.json').set('Host', 'sms.example.test:8080').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // With an absolute server (Postman needs one): where it was fetched from, unless PUBLIC_BASE_URL says.
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocumentFor('http://sms.example.test:8080'))));
    const configured = await makeTestApp({
      config: testConfig({ publicBaseUrl: 'https://sms.example.test' }),
    });
    const fixed = await request(configured.app)
      .get('/openapi.json')
      .set('Host', 'elsewhere.test')
      .expect(200);
    expect(fixed.body.servers).toEqual([{ url: 'https://sms.example.test', description: 'This service' }]);
  });
});

describe('the contract check', () => {
  // The check itself must catch drift, or every route test passing it proves nothing.
  it('refuses a body with a field the document does not declare, and an undeclared status', () => {
    const health = { status: 'UP', timestamp: 'x', checks: { database: 'UP', sending: 'ACTIVE' } };
    const ok = { method: 'GET', path: '/health', status: 200, contentType: 'application/json' };
    expect(contractProblems({ ...ok, body: JSON.stringify(health) })).toEqual([]);
    expect(contractProblems({ ...ok, body: JSON.stringify({ ...health, extra: 1 }) })).toHaveLength(1);
    expect(contractProblems({ ...ok, status: 418, body: '{}' })).toEqual([
      'GET /health: status 418 is not declared',
    ]);
  });

  it('refuses an error code the route does not declare at that status', () => {
    const res = { method: 'GET', path: '/messages/abc', contentType: 'application/json; charset=utf-8' };
    const body = (code: string) => JSON.stringify({ error: 'x', code, requestId: 'r' });
    expect(contractProblems({ ...res, status: 409, body: body('OPTED_OUT') })).toEqual([
      'GET /messages/{id}: status 409 is not declared',
    ]);
    expect(contractProblems({ ...res, status: 404, body: body('NOT_FOUND') })).toEqual([]);
    expect(contractProblems({ ...res, status: 404, body: body('UNAUTHORIZED') })).toHaveLength(1);
  });
});
