import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { envSchema } from '../src/config/env-schema';
import { renderConfigurationMd, renderEnvExample, settings } from '../src/config/settings-docs';

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const REQUIRED = { SINCH_SERVICE_PLAN_ID: 'plan1', SINCH_API_TOKEN: 'tok', SINCH_NUMBER: '+15550001111' };

/** `NAME=value` lines of an env file. */
function assignments(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1]) found.set(match[1], match[2] ?? '');
  }
  return found;
}

describe('the settings reference', () => {
  it('When docs/configuration.md is compared with the schema, then it is what npm run docs:config writes', () => {
    expect(read('docs/configuration.md')).toBe(renderConfigurationMd());
  });

  it('When .env.example is compared with the schema, then it is what npm run docs:config writes', () => {
    expect(read('.env.example')).toBe(renderEnvExample());
  });

  it('When .env.example is read, then it names every variable once, each with its default', () => {
    const lines = read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line));
    const found = assignments(read('.env.example'));
    expect(lines).toHaveLength(found.size);
    expect(Object.fromEntries(found)).toEqual(
      Object.fromEntries(settings().map((setting) => [setting.name, setting.default ?? ''])),
    );
  });

  it('When docs/configuration.md is read, then every variable has a row with its default', () => {
    const doc = read('docs/configuration.md');
    for (const setting of settings()) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${setting.name}\` `));
      expect(row, setting.name).toBeDefined();
      if (setting.default !== undefined) expect(row).toContain(`\`${setting.default}\``);
    }
  });

  it('When every variable of the schema is listed, then each has a description', () => {
    expect(settings().map((setting) => setting.name)).toEqual(Object.keys(envSchema.shape));
    for (const setting of settings()) expect(setting.description.length, setting.name).toBeGreaterThan(10);
  });

  it('When .env.example is loaded as it stands with the required three filled in, then the config is the defaults', () => {
    const example = Object.fromEntries(assignments(read('.env.example')));
    const fromExample = loadConfig({ ...example, ...REQUIRED });
    const fromNothing = loadConfig(REQUIRED);
    expect(fromExample.ok).toBe(true);
    expect(fromExample).toEqual(fromNothing);
  });
});
