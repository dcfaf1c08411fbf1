// `npm run docs:config`: writes docs/configuration.md and .env.example from the config schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigurationMd, renderEnvExample } from '../src/config/settings-docs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/configuration.md'), renderConfigurationMd());
writeFileSync(join(root, '.env.example'), renderEnvExample());
console.log('wrote docs/configuration.md and .env.example');
