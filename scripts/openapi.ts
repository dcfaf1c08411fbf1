// `npm run openapi [file]`: writes the OpenAPI 3.1 document (what GET /openapi.json serves) to a file,
// dist/openapi.json unless told, for Postman's import or a client generator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openApiDocument } from '../src/openapi/openapi.document';
import { REPO_ROOT } from './build.mjs';

const target = resolve(process.argv[2] ?? `${REPO_ROOT}/dist/openapi.json`);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
