import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../src/app';
import type { Config } from '../src/config';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { redisRateLimitStores } from '../src/security/rate-limit-redis';
import { createSinchClient } from '../src/sinch/sinch.client';
import { LogCapture, makeTestApp, testConfig } from './helpers/app';
import { createTestDatabase, DB_KINDS } from './helpers/databases';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
const redisUp = await redisReachable();
if (!redisUp)
  console.warn(`\n*** Redis is not reachable at ${REDIS_URL}: the Redis variants are SKIPPED ***\n`);

/** A key of its own per test, so that counts left in a shared store (Redis) by another run never meet it. */
const freshKey = () => `test-key-not-real-${randomBytes(8).toString('hex')}`;

const limited = (key: string, perMinute: number): Config =>
  testConfig({ apiKeys: [key], rateLimitApiPerMinute: perMinute, logLevel: 'warn' });

const list = (app: Express, key: string) =>
  request(app).get('/messages').set('Authorization', `Bearer ${key}`);

describe.each(DB_KINDS)('Per-minute limits counted in the database (%s)', (kind) => {
  it('When two instances share one database, then a key over the limit on one is refused on the other', async () => {
    const database = await createTestDatabase(kind);
    onTestFinished(() => database.drop());
    const key = freshKey();
    const a = await makeTestApp({ config: limited(key, 3), database });
    const b = await makeTestApp({ config: limited(key, 3), database });

    const statuses = [];
    for (const app of [a.app, b.app, a.app, b.app, a.app]) statuses.push((await list(app, key)).status);

    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await list(b.app, key);
    expect(refused.body).toEqual({
      error: expect.stringMatching(/at most 3 a minute/),
      code: 'RATE_LIMITED',
      requestId: expect.any(String),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('When wrong keys are tried one after another on GET /opt-outs, then after the limit they get 429 instead of 401, logged once', async () => {
    const { app, logs } = await makeTestApp({ db: kind, config: limited(freshKey(), 3) });

    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await request(app).get('/opt-outs').set('Authorization', `Bearer ${freshKey()}`)).status,
      );
    }

    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // One line giving the reason when the refusals start; each refused request has its access line too.
    expect(logs.find('rate limit reached on API')).toHaveLength(1);
    expect(
      logs.lines.filter((line) => (line.res as { statusCode?: number })?.statusCode === 429),
    ).toHaveLength(3);
  });

  it('When the callback limit is reached on one instance, then the other answers 429 too (Sinch retries later)', async () => {
    const database = await createTestDatabase(kind);
    onTestFinished(() => database.drop());
    const config = testConfig({ rateLimitWebhookPerMinute: 2 });
    const a = await makeTestApp({ config, database });
    const b = await makeTestApp({ config, database });
    const report = { type: 'unknown_callback_type', n: 1 };

    expect((await request(a.app).post('/webhooks/dlr').send(report)).status).toBe(200);
    expect((await request(b.app).post('/webhooks/dlr').send(report)).status).toBe(200);
    const res = await request(a.app).post('/webhooks/dlr').send(report);

    expect(res.status).toBe(429);
    expect(res.body.code).toBe('RATE_LIMITED');
  });
});

describe.skipIf(!redisUp)('Per-minute limits counted in Redis (REDIS_URL)', () => {
  async function redisApp(config: Config) {
    const database = await createTestDatabase('sqlite');
    const db = await database.open();
    const logs = new LogCapture();
    const logger = createLogger(config.logLevel, logs);
    const stores = redisRateLimitStores(REDIS_URL, logger);
    onTestFinished(async () => {
      await stores.close();
      await db.destroy();
      await database.drop();
    });
    const app = buildApp({
      config,
      logger,
      db,
      sinch: createSinchClient(config.sinch),
      metrics: createMetrics({ processMetrics: false }),
      rateLimitStores: stores,
    });
    return { app, logs };
  }

  it('When two instances with their own databases share one Redis, then a key over the limit on one is refused on the other', async () => {
    const key = freshKey();
    const a = await redisApp(limited(key, 3));
    const b = await redisApp(limited(key, 3));

    const statuses = [];
    for (const app of [a.app, b.app, b.app, a.app, b.app]) statuses.push((await list(app, key)).status);

    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(a.logs.find('rate limit reached on API')).toHaveLength(1);
    expect(a.logs.find('rate limit reached on API')[0]?.store).toBe('redis');
  });

  it('When Redis cannot be reached, then requests are let through and the outage is logged once', async () => {
    const config = limited(freshKey(), 1);
    const logs = new LogCapture();
    const logger = createLogger('warn', logs);
    // Nothing listens on port 1.
    const stores = redisRateLimitStores('redis://127.0.0.1:1', logger, 200);
    const database = await createTestDatabase('sqlite');
    const db = await database.open();
    onTestFinished(async () => {
      await stores.close();
      await db.destroy();
      await database.drop();
    });
    const app = buildApp({
      config,
      logger,
      db,
      sinch: createSinchClient(config.sinch),
      metrics: createMetrics({ processMetrics: false }),
      rateLimitStores: stores,
    });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await list(app, config.apiKeys[0] as string)).status);

    expect(statuses).toEqual([200, 200, 200]);
    expect(logs.find('redis unreachable: per-minute rate limits are not counted')).toHaveLength(1);
  });
});
