// `npm run openapi [file]`: writes the OpenAPI 3.1 document (what GET /openapi.json serves) to a file,
// dist/openapi.json unless told, for Postman's import or a client generator. Its server is
// PUBLIC_BASE_URL, or http://localhost:3000.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openApiDocumentFor } from '../src/openapi/openapi.document';
import { REPO_ROOT } from './build.mjs';

const target = resolve(process.argv[2] ?? `${REPO_ROOT}/dist/openapi.json`);
mkdirSync(dirname(target), { recursive: true });
// Requests go to PUBLIC_BASE_URL when set, else to a service on this machine's default port.
const server = process.env.PUBLIC_BASE_URL?.trim() || 'http://localhost:3000';
writeFileSync(target, `${JSON.stringify(openApiDocumentFor(server), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
