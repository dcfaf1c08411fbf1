import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { expect, onTestFinished } from 'vitest';
import { openApiDocument } from '../../src/openapi/openapi.document';

/**
 * The contract test: every response the test suite gets from the service is checked against what the
 * OpenAPI document declares for its route and status, so the document cannot drift from the code.
 */

export type Observed = { method: string; path: string; status: number; contentType: string; body: string };

const DOC_ID = 'https://contract.test/openapi.json';
const document = openApiDocument() as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
};
type Response = { content?: Record<string, { schema: unknown }> };

// OpenAPI 3.1 schemas are JSON Schema 2020-12; the document's other keywords are not schema keywords.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOC_ID });

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const templates = Object.keys(document.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

function validatorFor(...parts: string[]) {
  const ref = `${DOC_ID}#/${pointer(...parts)}`;
  return ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
}

function checkJson(o: Observed, schemaPath: string[]): string[] {
  let body: unknown;
  try {
    body = JSON.parse(o.body);
  } catch {
    return [`${o.method} ${o.path} ${o.status}: body is not JSON`];
  }
  const validate = validatorFor(...schemaPath);
  if (validate(body)) return [];
  return [`${o.method} ${o.path} ${o.status}: ${ajv.errorsText(validate.errors)} in ${o.body.slice(0, 300)}`];
}

const errorSchema = ['components', 'schemas', 'Error'];

/** What is wrong with one response, measured against the document; empty when it matches. */
export function contractProblems(o: Observed): string[] {
  if (o.method === 'HEAD' || o.method === 'OPTIONS') return [];
  const path = o.path.length > 1 ? o.path.replace(/\/+$/, '') : o.path;
  const match = templates.find((t) => t.regex.test(path));
  const operation = match ? document.paths[match.template]?.[o.method.toLowerCase()] : undefined;
  const isJson = o.contentType.startsWith('application/json');
  if (!match || !operation) {
    // Not an API route (a page, an unknown path, a method the route lacks): errors still have one shape.
    if (o.status >= 400 && isJson) return checkJson(o, errorSchema);
    if (match && o.status < 400)
      return [`${o.method} ${path}: answered ${o.status} but is not in the document`];
    return [];
  }
  const template = match.template;
  const declared = operation.responses[String(o.status)] ? String(o.status) : undefined;
  if (!declared) return [`${o.method} ${template}: status ${o.status} is not declared`];
  const content = operation.responses[declared]?.content;
  if (!content)
    return o.body.length === 0 ? [] : [`${o.method} ${template} ${o.status}: declared without a body`];
  const type = o.contentType.split(';')[0]?.trim() ?? '';
  if (!content[type]) return [`${o.method} ${template} ${o.status}: content type ${type} is not declared`];
  if (type !== 'application/json') return [];
  return checkJson(o, [
    'paths',
    template,
    o.method.toLowerCase(),
    'responses',
    declared,
    'content',
    type,
    'schema',
  ]);
}

/** Records what the app answers, body included, as it goes out. */
export function tapResponses(req: IncomingMessage, res: ServerResponse, seen: Observed[]): void {
  tap(req, res, (o) => seen.push(o));
}

function tap(req: IncomingMessage, res: ServerResponse, record: (o: Observed) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') keep(chunk);
    return end(chunk, ...rest);
  }) as typeof res.end;
  res.on('finish', () =>
    record({
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      status: res.statusCode,
      contentType: String(res.getHeader('content-type') ?? ''),
      body: Buffer.concat(chunks).toString('utf8'),
    }),
  );
}

/**
 * Checks every response `app` gives during the current test against the document; the test fails at
 * its end, listing each mismatch. Used by makeTestApp, so every route test is a contract test too.
 * An app shared by several tests is checked when `atEnd` says (`afterAll`).
 */
export function watchContract(app: Express, atEnd: (check: () => void) => void = onTestFinished): Observed[] {
  const seen: Observed[] = [];
  const target = app as unknown as {
    handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
  };
  const handle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    tap(req, res, (o) => seen.push(o));
    handle(req, res, next);
  };
  atEnd(() => {
    expect(seen.flatMap(contractProblems), 'responses that differ from openapi.json').toEqual([]);
  });
  return seen;
}
