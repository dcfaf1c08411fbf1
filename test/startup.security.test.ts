import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../src/config';
import { securityWarnings } from '../src/security/startup-warnings';
import { testConfig } from './helpers/app';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, serverCommand } from './helpers/process';
import { API_KEY, BASIC_PASSWORD, WEBHOOK_SECRET } from './helpers/security';

const minimal = { SINCH_SERVICE_PLAN_ID: 'plan1', SINCH_API_TOKEN: 'tok', SINCH_NUMBER: '+15550001111' };

function configOf(env: Record<string, string>): Config {
  const result = loadConfig({ ...minimal, ...env });
  if (!result.ok) throw new Error(`expected the configuration to load: ${result.errors.join('; ')}`);
  return result.config;
}

function errorsOf(env: Record<string, string>): string {
  const result = loadConfig({ ...minimal, ...env });
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.errors.join('\n');
}

describe('security settings', () => {
  it('When none is set, then the documented defaults apply', () => {
    expect(configOf({})).toMatchObject({
      apiKeys: [],
      webhookAuth: {
        hmacSecrets: [],
        basicCredentials: [],
        maxAgeSeconds: 259_200,
        maxClockSkewSeconds: 3600,
      },
      rateLimitSendPerMinute: 60,
      rateLimitWebhookPerMinute: 6_000,
      sendLimits: {
        allowedDestinationPrefixes: [],
        maxPerNumberPerHour: 10,
        maxPerDay: 10_000,
        maxPerKeyPerDay: 0,
      },
    });
  });

  it('When lists are comma-separated with spaces, then each entry is trimmed and blanks dropped', () => {
    const config = configOf({
      API_KEYS: ` ${API_KEY} , ${API_KEY}-2,`,
      SINCH_WEBHOOK_SECRET: 'new-secret, old-secret',
      WEBHOOK_BASIC_AUTH: 'sinch:pa:ss, sinch-old:pw',
      ALLOWED_DESTINATION_PREFIXES: '+44, 0046,1555',
    });
    expect(config.apiKeys).toEqual([API_KEY, `${API_KEY}-2`]);
    expect(config.webhookAuth.hmacSecrets).toEqual(['new-secret', 'old-secret']);
    expect(config.webhookAuth.basicCredentials).toEqual([
      { username: 'sinch', password: 'pa:ss' },
      { username: 'sinch-old', password: 'pw' },
    ]);
    expect(config.sendLimits.allowedDestinationPrefixes).toEqual(['44', '46', '1555']);
  });

  it('When every limit is 0, then each is off (accepted as 0)', () => {
    const config = configOf({
      RATE_LIMIT_SEND: '0',
      RATE_LIMIT_WEBHOOK: '0',
      MAX_SMS_PER_NUMBER_PER_HOUR: '0',
      MAX_SMS_PER_DAY: '0',
      WEBHOOK_MAX_AGE_SECONDS: '0',
    });
    expect(config.rateLimitWebhookPerMinute).toBe(0);
    expect(config.sendLimits).toMatchObject({ maxPerNumberPerHour: 0, maxPerDay: 0 });
    expect(config.webhookAuth.maxAgeSeconds).toBe(0);
  });

  it.each([
    ['API_KEYS', 'short'],
    ['API_KEYS', 'a key with spaces in it'],
    ['WEBHOOK_BASIC_AUTH', 'no-colon-here'],
    ['WEBHOOK_BASIC_AUTH', ':password-without-user'],
    ['ALLOWED_DESTINATION_PREFIXES', '+44,uk'],
    ['ALLOWED_DESTINATION_PREFIXES', '+0'],
    ['MAX_SMS_PER_DAY', '-1'],
    ['MAX_SMS_PER_NUMBER_PER_HOUR', 'ten'],
    ['WEBHOOK_MAX_AGE_SECONDS', '1.5'],
    ['RATE_LIMIT_WEBHOOK', '-5'],
    ['SINCH_API_REGION', 'evil.example/'],
  ])('When %s is %j, then start-up is refused naming it', (name, value) => {
    expect(errorsOf({ [name]: value })).toContain(name);
  });

  it('When a refused value is a secret, then the error does not repeat it', () => {
    expect(errorsOf({ API_KEYS: 'tiny-secret' })).not.toContain('tiny-secret');
  });

  it('When NODE_ENV is production and API_KEYS is unset, then the configuration is refused', () => {
    expect(errorsOf({ NODE_ENV: 'production' })).toMatch(/API_KEYS: required when NODE_ENV=production/);
  });

  it('When NODE_ENV is production and API_KEYS is set, then it loads', () => {
    expect(configOf({ NODE_ENV: 'production', API_KEYS: API_KEY }).apiKeys).toEqual([API_KEY]);
  });
});

describe('start-up warnings', () => {
  it('When nothing is protected, then both sending and callbacks are said to be unauthenticated', () => {
    const warnings = securityWarnings(testConfig());
    expect(warnings).toEqual([
      expect.stringContaining('sending is unauthenticated'),
      expect.stringContaining('callbacks are unauthenticated'),
    ]);
  });

  it('When keys and a webhook secret are set, then there is no warning', () => {
    const config = testConfig({
      apiKeys: [API_KEY],
      webhookAuth: {
        hmacSecrets: [WEBHOOK_SECRET],
        basicCredentials: [],
        maxAgeSeconds: 259_200,
        maxClockSkewSeconds: 3600,
      },
    });
    expect(securityWarnings(config)).toEqual([]);
  });

  it("When the freshness window is shorter than Sinch's retries, then it warns that retries would be lost", () => {
    const config = testConfig({
      apiKeys: [API_KEY],
      webhookAuth: {
        hmacSecrets: [WEBHOOK_SECRET],
        basicCredentials: [],
        maxAgeSeconds: 300,
        maxClockSkewSeconds: 3600,
      },
    });
    expect(securityWarnings(config)).toEqual([expect.stringContaining('WEBHOOK_MAX_AGE_SECONDS=300')]);
  });
});

describe('the server process', { timeout: CHILD_PROCESS_TEST_TIMEOUT_MS }, () => {
  const [node, serverArgs] = serverCommand();
  const env = (extra: Record<string, string>) => ({
    PATH: process.env.PATH,
    ...minimal,
    SINCH_API_TOKEN: 'test-token-not-real-0002',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'sms-sec-')), 'sms.sqlite')}`,
    ...extra,
  });
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('When NODE_ENV=production and no key is configured, then it refuses to start', () => {
    // An empty directory as cwd, so no .env of the developer's is read.
    const run = spawnSync(node, serverArgs, {
      cwd: mkdtempSync(join(tmpdir(), 'sms-sec-cwd-')),
      env: env({ NODE_ENV: 'production' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    expect(run.stdout + run.stderr).toContain('API_KEYS');
    expect(run.stdout + run.stderr).not.toContain('server listening');
  });

  it('When no key is configured outside production, then it starts with loud warnings and no secret in its output', async () => {
    child = spawn(node, serverArgs, {
      cwd: mkdtempSync(join(tmpdir(), 'sms-sec-cwd-')),
      env: env({ WEBHOOK_BASIC_AUTH: `sinch:${BASIC_PASSWORD}` }),
    });
    let output = '';
    await new Promise<void>((done, fail) => {
      child?.stdout?.on('data', (chunk) => {
        output += chunk;
        if (output.includes('server listening')) done();
      });
      child?.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      child?.on('exit', () => fail(new Error(`exited early:\n${output}`)));
    });
    const warnings = output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.msg)).toEqual([expect.stringContaining('sending is unauthenticated')]);
    expect(output).not.toContain(BASIC_PASSWORD);
    expect(output).not.toContain('test-token-not-real-0002');
  });
});
