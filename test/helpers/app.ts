import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import nock from 'nock';
import request from 'supertest';
import { afterAll, expect, onTestFinished } from 'vitest';
import { buildApp } from '../../src/app';
import { callbackFastPath } from '../../src/callbacks/callback-fast-path';
import { createCallbackIngest } from '../../src/callbacks/callback-ingest';
import { newBudget } from '../../src/callbacks/callback-retention';
import { type Config, loadConfig } from '../../src/config';
import type { Db } from '../../src/db/database';
import { createHttpServer } from '../../src/http/http-server';
import { createLogger } from '../../src/logger';
import { createMetrics, type Metrics } from '../../src/metrics/metrics';
import { optOutRules } from '../../src/opt-outs/opt-out-settings';
import { databaseRateLimitStores } from '../../src/security';
import { createSinchClient, type SinchClient } from '../../src/sinch/sinch.client';
import { tapResponses, watchContract } from './contract';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases';

/** A fake Sinch origin that nock intercepts; nothing is ever sent to a real Sinch host. */
export const FAKE_SINCH = 'https://sinch.test';
export const TEST_TOKEN = 'test-token-not-real-0001';
export const TEST_PLAN = 'test-plan';

/**
 * The environment tests run with: the required three, the fake Sinch, and what tests need different
 * from production (fast Sinch timeouts and one attempt, an ephemeral port, debug logs, no sweep).
 * Every other value is the schema's default, so a changed default reaches the tests too.
 */
export const TEST_ENV = {
  SINCH_SERVICE_PLAN_ID: TEST_PLAN,
  SINCH_API_TOKEN: TEST_TOKEN,
  SINCH_NUMBER: '+15550001111',
  SINCH_API_BASE_URL: FAKE_SINCH,
  SINCH_TIMEOUT_MS: '2000',
  // One attempt unless a test is about retries: most tests want Sinch's first answer.
  SINCH_MAX_ATTEMPTS: '1',
  SINCH_RETRY_BASE_MS: '10',
  SINCH_RETRY_MAX_MS: '2000',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'debug',
  RATE_LIMIT_SEND: '1000',
  RATE_LIMIT_API: '1000',
  DATABASE_URL: 'sqlite::memory:',
  // The sweep only when a test starts it: timers of their own would race the assertions.
  RECONCILE_INTERVAL_SECONDS: '0',
  // No keys and no callback authentication unless a test asks: the security tests set them.
} as const;

/** A config parsed from `TEST_ENV` by the service's own schema, then `overrides` laid over it. */
export function testConfig(overrides: Partial<Config> = {}, sinch: Partial<Config['sinch']> = {}): Config {
  const result = loadConfig(TEST_ENV);
  if (!result.ok) throw new Error(`TEST_ENV is refused: ${result.errors.join('; ')}`);
  const { config } = result;
  return { ...config, sinch: { ...config.sinch, ...sinch }, ...overrides };
}

/** Collects every log line the app writes, parsed, so tests can assert on them. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown> & { level: string; msg: string }> = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line));
    }
    done();
  }

  text(): string {
    return this.raw.join('\n');
  }

  find(msg: string) {
    return this.lines.filter((line) => line.msg === msg);
  }
}

/**
 * The two ways into POST /webhooks/dlr: the app buildApp() makes (supertest calls it in process), and
 * the server as service.ts makes it, with the callback fast path ahead of the app (over real HTTP).
 * The callback route's tests run through both (describe.each), with every request of the test going
 * through the entry; the fast path leaves every other request to the same app.
 */
export const CALLBACK_ENTRIES = ['buildApp', 'fast path'] as const;
export type CallbackEntry = (typeof CALLBACK_ENTRIES)[number];

/** What supertest is given: the app itself, or the base URL of a listening server. */
export type Target = Express | string;

export type TestApp = {
  app: Express;
  /** Where a test sends its requests: `app`, or the fast path's server when the entry says so. */
  target: Target;
  logs: LogCapture;
  config: Config;
  db: Db;
  database: TestDatabase;
  metrics: Metrics;
};

export type TestAppOptions = {
  config?: Config;
  db?: DbKind;
  sinch?: SinchClient;
  database?: TestDatabase;
  entry?: CallbackEntry;
};

/** Every secret a config holds, as it could appear in a log line: none of them ever may. */
export function secretsOf(config: Config): string[] {
  return [
    config.sinch.apiToken,
    ...config.apiKeys,
    ...config.webhookAuth.hmacSecrets,
    ...config.webhookAuth.basicCredentials.flatMap(({ username, password }) => [
      password,
      Buffer.from(`${username}:${password}`).toString('base64'),
    ]),
  ].filter((secret) => secret.length >= 8);
}

/** When the test ends, fails it if any of the config's secrets reached a captured log line. */
export function expectNoSecretsLogged(config: Config, logs: LogCapture): void {
  onTestFinished(() => {
    const text = logs.text();
    expect(
      secretsOf(config).filter((secret) => text.includes(secret)),
      'secrets found in the logs',
    ).toEqual([]);
  });
}

/**
 * The app over a fresh database (SQLite unless told otherwise), its logs captured. Call it inside a
 * test: the database is closed and given back when the test ends, and the test fails if a secret of the
 * config was logged or a response differs from openapi.json.
 */
export function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return assembleTestApp(options, onTestFinished);
}

/**
 * One app shared by the tests of a file or a `describe`, for tests that each make messages of their own
 * and need no database of their own (a matrix of cases, say). Call it in `beforeAll`; after the last
 * test it is closed, and the same checks as makeTestApp's fail the suite.
 */
export function makeSharedTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return assembleTestApp(options, afterAll);
}

async function assembleTestApp(
  options: TestAppOptions,
  atEnd: (fn: () => void | Promise<void>) => void,
): Promise<TestApp> {
  const config = options.config ?? testConfig();
  const database = options.database ?? (await createTestDatabase(options.db ?? 'sqlite'));
  const db = await database.open();
  const logs = new LogCapture();
  atEnd(() => {
    const text = logs.text();
    expect(
      secretsOf(config).filter((secret) => text.includes(secret)),
      'secrets found in the logs',
    ).toEqual([]);
  });
  const logger = createLogger(config.logLevel, logs);
  const sinch = options.sinch ?? createSinchClient(config.sinch);
  atEnd(async () => {
    await db.destroy().catch(() => {});
    if (!options.database) await database.drop();
  });
  const metrics = createMetrics({ processMetrics: false });
  // As service.ts wires it: one callback core for the app's route and the fast path.
  const callbackIngest = createCallbackIngest({
    ...{ db, config, metrics, optOuts: optOutRules(config.optOuts) },
    rateLimitStores: databaseRateLimitStores(db),
    callbackBudget: newBudget(config.callbackRetention.unappliedMaxBytes),
  });
  const app = buildApp({ config, logger, sinch, db, metrics, callbackIngest });
  // Every response a test gets is checked against openapi.json (test/helpers/contract.ts).
  const seen = watchContract(app, atEnd);
  let target: Target = app;
  if (options.entry === 'fast path') {
    const fastPath = callbackFastPath(callbackIngest, app, logger);
    const server = createHttpServer(
      app,
      config.http,
      () => false,
      (req, res) => {
        if (!fastPath(req, res)) return false;
        tapResponses(req, res, seen);
        return true;
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    atEnd(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return { app, target, logs, config, db, database, metrics };
}

/** The batch object Sinch answers a send with. */
export function sinchBatch(fields: Record<string, unknown> = {}) {
  return {
    id: '01FC66621XXXXX119Z8PMV1QPQ',
    to: ['15551234567'],
    from: '15550001111',
    canceled: false,
    body: 'Hello',
    type: 'mt_text',
    created_at: '2026-11-28T10:00:00.000Z',
    modified_at: '2026-11-28T10:00:00.000Z',
    delivery_report: 'per_recipient',
    ...fields,
  };
}

/** Sends one SMS through the app while nock plays Sinch, answering with `batchId`; returns the 202 body. */
export async function sendThroughFakeSinch(
  app: Target,
  fields: { to?: string; message?: string; clientReference?: string; batchId: string },
): Promise<{ messageId: string; batchId: string; clientReference: string }> {
  const to = fields.to ?? '+15551234567';
  nock(FAKE_SINCH)
    .post(`/xms/v1/${TEST_PLAN}/batches`)
    .reply(201, (_uri, body) => sinchBatch({ ...(body as object), id: fields.batchId, to: [to.slice(1)] }));
  const res = await request(app)
    .post('/send-sms')
    .send({ to, message: fields.message ?? 'Hello', clientReference: fields.clientReference });
  if (res.status !== 202) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
