import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, serverCommand } from './helpers/process';

const minimal = { SINCH_SERVICE_PLAN_ID: 'plan1', SINCH_API_TOKEN: 'tok', SINCH_NUMBER: '+15550001111' };

function errorsOf(env: Record<string, string | undefined>): string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.errors;
}

describe('loadConfig', () => {
  it('When only the three required variables are set, then the documented defaults apply', () => {
    const result = loadConfig(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      sinch: { region: 'us', baseUrl: 'https://us.sms.api.sinch.com', deliveryReport: 'per_recipient' },
      port: 3000,
      logLevel: 'info',
      publicBaseUrl: undefined,
      rateLimitSendPerMinute: 60,
      sqliteSynchronous: 'full',
    });
  });

  it('When all three required variables are missing, then every one is named', () => {
    const errors = errorsOf({});
    expect(errors.join('\n')).toContain('SINCH_SERVICE_PLAN_ID');
    expect(errors.join('\n')).toContain('SINCH_API_TOKEN');
    expect(errors.join('\n')).toContain('SINCH_NUMBER');
  });

  it('When a required variable is blank, then it counts as missing', () => {
    expect(errorsOf({ ...minimal, SINCH_API_TOKEN: '   ' }).join('\n')).toContain('SINCH_API_TOKEN');
  });

  it.each(['eu', 'au', 'br', 'ca'] as const)(
    'When SINCH_API_REGION is %s, then the host follows it',
    (region) => {
      const result = loadConfig({ ...minimal, SINCH_API_REGION: region });
      expect(result.ok && result.config.sinch.baseUrl).toBe(`https://${region}.sms.api.sinch.com`);
    },
  );

  it.each(['gb', 'evil.com/', 'us.attacker.net#', 'US '])(
    'When SINCH_API_REGION is %j, then start-up is refused (no host injection)',
    (region) => {
      expect(errorsOf({ ...minimal, SINCH_API_REGION: region }).join('\n')).toContain('SINCH_API_REGION');
    },
  );

  it('When SINCH_API_BASE_URL is set, then it replaces the origin and a trailing slash is dropped', () => {
    const result = loadConfig({ ...minimal, SINCH_API_BASE_URL: 'http://127.0.0.1:3901/' });
    expect(result.ok && result.config.sinch.baseUrl).toBe('http://127.0.0.1:3901');
  });

  it.each([
    ['SINCH_API_BASE_URL', 'ftp://example'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['SINCH_DELIVERY_REPORT', 'everything'],
    ['RATE_LIMIT_SEND', '-1'],
    ['SINCH_SERVICE_PLAN_ID', '../other-plan'],
    ['SQLITE_SYNCHRONOUS', 'off'],
  ])('When %s is %j, then start-up is refused naming it', (name, value) => {
    expect(errorsOf({ ...minimal, [name]: value }).join('\n')).toContain(name);
  });

  it('When several variables are bad at once, then all are reported', () => {
    const errors = errorsOf({ SINCH_NUMBER: '+1', PORT: 'x', SINCH_API_REGION: 'mars' });
    expect(errors).toHaveLength(4);
  });

  it('When variables are missing and a rule between others is broken too, then both kinds are reported', () => {
    const errors = errorsOf({ NODE_ENV: 'production', OPT_IN_KEYWORDS: 'stop' });
    expect(errors.join('\n')).toMatch(/SINCH_SERVICE_PLAN_ID/);
    expect(errors.join('\n')).toMatch(/API_KEYS: required when NODE_ENV=production/);
    expect(errors.join('\n')).toMatch(/OPT_IN_KEYWORDS: STOP is also an opt-out keyword/);
  });

  it.each(['none', 'summary', 'full', 'per_recipient', 'per_recipient_final'])(
    'When SINCH_DELIVERY_REPORT is %s, then it is accepted',
    (value) => {
      const result = loadConfig({ ...minimal, SINCH_DELIVERY_REPORT: value });
      expect(result.ok && result.config.sinch.deliveryReport).toBe(value);
    },
  );

  it('When an optional variable is blank, then its default applies', () => {
    const result = loadConfig({ ...minimal, PUBLIC_BASE_URL: '', PORT: '' });
    expect(result.ok && result.config.publicBaseUrl).toBeUndefined();
    expect(result.ok && result.config.port).toBe(3000);
  });
});

describe('server start-up', { timeout: CHILD_PROCESS_TEST_TIMEOUT_MS }, () => {
  it('When required variables are missing, then the process exits non-zero naming each of them', () => {
    // An empty directory, so no .env of the developer's is read.
    const cwd = mkdtempSync(join(tmpdir(), 'sms-config-'));
    const [command, args] = serverCommand();
    const run = spawnSync(command, args, {
      cwd,
      env: { PATH: process.env.PATH, SINCH_NUMBER: '+15550001111' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    const output = run.stdout + run.stderr;
    expect(output).toContain('SINCH_SERVICE_PLAN_ID');
    expect(output).toContain('SINCH_API_TOKEN');
    expect(output).not.toContain('SINCH_NUMBER:');
  });
});
