import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as dailySendCounts from '../src/db/migrations/0008-daily-send-counts';
import { FAKE_SINCH, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import {
  API_KEY,
  BATCHES_PATH,
  fakeSinchAccepts,
  makeSecureApp,
  OTHER_API_KEY,
  postSend,
  secureConfig,
} from './helpers/security';

const valid = { to: '+15551234567', message: 'Hello' };
const invalid = { to: 'not a number', message: 'Hello' };

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.any(String), code, requestId: expect.any(String) });
}

describe('POST /send-sms, API keys', () => {
  it('When no key is sent, then it answers 401, Sinch is never called and nothing is stored', async () => {
    const { app, db, logs } = await makeSecureApp();
    const sinch = fakeSinchAccepts();

    const res = await postSend(app, valid, null);

    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(sinch.isDone()).toBe(false);
    expect(await db.selectFrom('messages').selectAll().execute()).toEqual([]);
    expect(logs.find('api key refused: missing key')).toHaveLength(1);
  });

  it.each([
    ['an unknown key', `Bearer ${'x'.repeat(API_KEY.length)}`],
    ['a valid key with one more character', `Bearer ${API_KEY}x`],
    ['a valid key missing its last character', `Bearer ${API_KEY.slice(0, -1)}`],
    ['a valid key in another case', `Bearer ${API_KEY.toUpperCase()}`],
    ['a valid key under the Basic scheme', `Basic ${API_KEY}`],
    ['a Bearer scheme with no key', 'Bearer '],
  ])('When the request carries %s, then it answers 401 and Sinch is never called', async (_name, header) => {
    const { app } = await makeSecureApp();
    const sinch = fakeSinchAccepts();

    const res = await request(app).post('/send-sms').set('Authorization', header).send(valid);

    expectError(res, 401, 'UNAUTHORIZED');
    expect(sinch.isDone()).toBe(false);
  });

  it('When a key is sent as a Bearer token, then the SMS is sent', async () => {
    const { app } = await makeSecureApp();
    const sinch = fakeSinchAccepts();

    const res = await postSend(app, valid, API_KEY);

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(sinch.isDone()).toBe(true);
  });

  it('When a key is sent as X-API-Key, then the SMS is sent', async () => {
    const { app } = await makeSecureApp();
    fakeSinchAccepts();

    const res = await request(app).post('/send-sms').set('X-API-Key', API_KEY).send(valid);

    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('When the second configured key is used (rotation), then it is accepted too', async () => {
    const { app } = await makeSecureApp();
    fakeSinchAccepts();
    const res = await request(app)
      .post('/send-sms')
      .set('Authorization', `bearer ${OTHER_API_KEY}`)
      .send(valid);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('When the key is missing and the body is malformed, then it answers 401: the body is not even read', async () => {
    const { app } = await makeSecureApp();
    const res = await request(app).post('/send-sms').set('Content-Type', 'application/json').send('{"to":');
    expectError(res, 401, 'UNAUTHORIZED');
  });

  it('When no key is configured, then a request without a key is sent (development mode)', async () => {
    const { app } = await makeSecureApp({ config: testConfig() });
    fakeSinchAccepts();
    const res = await postSend(app, valid, null);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });
});

describe('POST /send-sms, rate limit per key', () => {
  it('When one key goes over RATE_LIMIT_SEND, then it gets 429 while another key still gets through', async () => {
    const { app, logs } = await makeSecureApp({ config: secureConfig({ rateLimitSendPerMinute: 2 }) });

    expect((await postSend(app, invalid, API_KEY)).status).toBe(400);
    expect((await postSend(app, invalid, API_KEY)).status).toBe(400);
    const limited = await postSend(app, invalid, API_KEY);
    const other = await postSend(app, invalid, OTHER_API_KEY);

    expectError(limited, 429, 'RATE_LIMITED');
    expect(limited.headers.ratelimit).toBeDefined();
    expect(other.status).toBe(400);
    expect(logs.find('rate limit reached on send')).toHaveLength(1);
  });

  it('When requests carry no valid key, then they are limited per IP, so guessing keys is throttled', async () => {
    const { app } = await makeSecureApp({ config: secureConfig({ rateLimitSendPerMinute: 2 }) });

    expect((await postSend(app, valid, 'guess-1-guess-1-guess')).status).toBe(401);
    expect((await postSend(app, valid, 'guess-2-guess-2-guess')).status).toBe(401);
    const limited = await postSend(app, valid, 'guess-3-guess-3-guess');
    const owner = await postSend(app, invalid, API_KEY);

    expectError(limited, 429, 'RATE_LIMITED');
    expect(owner.status).toBe(400);
  });

  it('When RATE_LIMIT_SEND is 0, then there is no limit', async () => {
    const { app } = await makeSecureApp({ config: secureConfig({ rateLimitSendPerMinute: 0 }) });
    for (let i = 0; i < 5; i++) expect((await postSend(app, invalid)).status).toBe(400);
  });
});

describe('POST /send-sms, destination allow-list', () => {
  const config = secureConfig({
    sendLimits: {
      allowedDestinationPrefixes: ['44', '1555'],
      maxPerNumberPerHour: 10,
      maxPerDay: 10_000,
      maxPerKeyPerDay: 0,
    },
  });

  it.each(['+447700900123', '+15551234567'])(
    'When %s matches an allowed prefix, then it is sent',
    async (to) => {
      const { app } = await makeSecureApp({ config });
      const sinch = fakeSinchAccepts();
      const res = await postSend(app, { to, message: 'Hello' });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(sinch.isDone()).toBe(true);
    },
  );

  it.each(['+33612345678', '+15561234567', '+4'.concat('0'.repeat(9))])(
    'When %s is outside the allow-list, then it answers 403 before Sinch is called or anything is stored',
    async (to) => {
      const { app, db, logs } = await makeSecureApp({ config });
      const sinch = fakeSinchAccepts();

      const res = await postSend(app, { to, message: 'Hello' });

      expectError(res, 403, 'FORBIDDEN_DESTINATION');
      expect(sinch.isDone()).toBe(false);
      expect(await db.selectFrom('messages').selectAll().execute()).toEqual([]);
      const [line] = logs.find('send refused: destination outside the allow-list');
      expect(line?.destination).toMatch(/^\d{4}\*+$/);
      expect(logs.text()).not.toContain(to.slice(1));
    },
  );

  it('When no allow-list is configured, then any destination is sent', async () => {
    const { app } = await makeSecureApp();
    fakeSinchAccepts();
    const res = await postSend(app, { to: '+33612345678', message: 'Hello' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });
});

describe.each(DB_KINDS)('POST /send-sms, per-number and daily limits (%s)', (kind) => {
  const limits = (maxPerNumberPerHour: number, maxPerDay: number) =>
    secureConfig({
      sendLimits: { allowedDestinationPrefixes: [], maxPerNumberPerHour, maxPerDay, maxPerKeyPerDay: 0 },
    });

  it('When a number already had MAX_SMS_PER_NUMBER_PER_HOUR messages this hour, then 429 and Sinch is not called', async () => {
    const { app, logs } = await makeSecureApp({ db: kind, config: limits(2, 100) });
    fakeSinchAccepts(2);
    expect((await postSend(app, valid)).status).toBe(202);
    expect((await postSend(app, valid)).status).toBe(202);
    const third = fakeSinchAccepts();

    const res = await postSend(app, valid);

    expectError(res, 429, 'DESTINATION_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(3000);
    expect(third.isDone()).toBe(false);
    expect(logs.find('send refused: per-number limit reached')).toHaveLength(1);
    expect((await postSend(app, { ...valid, to: '+15559876543' })).status).toBe(202);
  });

  it('When more requests to one number than its hourly limit arrive at once, then only the limit is sent and the rest get 429', async () => {
    const { app, db } = await makeSecureApp({ db: kind, config: limits(3, 1_000) });
    const sinch = fakeSinchAccepts(8);

    const answers = await Promise.all(Array.from({ length: 8 }, () => postSend(app, valid)));

    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429, 429, 429]);
    for (const res of answers.filter((r) => r.status === 429)) {
      expectError(res, 429, 'DESTINATION_RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(3000);
    }
    expect(sinch.pendingMocks()).toHaveLength(1);
    const stored = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(stored?.n)).toBe(3);
    nock.cleanAll();
  });

  it('When more sends than the daily cap allows arrive at once, then only the cap is sent and the rest get 503', async () => {
    const { app, db } = await makeSecureApp({ db: kind, config: limits(0, 3) });
    fakeSinchAccepts(6);

    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => postSend(app, { ...valid, to: `+1555000100${i}` })),
    );

    expect(answers.map((res) => res.status).sort()).toEqual([202, 202, 202, 503, 503, 503]);
    for (const res of answers.filter((r) => r.status === 503)) expectError(res, 503, 'DAILY_CAP_REACHED');
    const stored = await db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(stored?.n)).toBe(3);
    const counted = await db.selectFrom('daily_send_counts').selectAll().execute();
    expect(counted).toEqual([{ day: new Date().toISOString().slice(0, 10), sent: 3 }]);
    nock.cleanAll();
  });

  it('When the service is upgraded, then the day count starts from the messages already sent today', async () => {
    const { db } = await makeSecureApp({ db: kind, config: limits(0, 3) });
    const today = new Date().toISOString();
    const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const rows: Array<[string, string, string[]]> = [
      ['m-today', 'Sent', ['15550000001', '15550000002']],
      ['m-refused', 'SendRefused', ['15550000003']],
      ['m-old', 'Sent', ['15550000004']],
    ];
    for (const [id, status, numbers] of rows) {
      await db
        .insertInto('messages')
        .values({
          id,
          client_reference: id,
          sender: '+15550001111',
          body: 'hi',
          send_status: status,
          delivery_report: 'per_recipient',
          created_at: id === 'm-old' ? lastWeek : today,
          updated_at: today,
        })
        .execute();
      for (const msisdn of numbers) {
        await db
          .insertInto('recipients')
          .values({ message_id: id, msisdn, status, status_rank: 0, updated_at: today })
          .execute();
      }
    }
    await db.schema.dropTable('daily_send_counts').execute();

    await dailySendCounts.up(db);

    const counted = await db.selectFrom('daily_send_counts').selectAll().execute();
    expect(counted).toEqual([{ day: today.slice(0, 10), sent: 2 }]);
  });

  it('When the earlier messages are more than an hour old, then the number may be sent to again', async () => {
    const { app, db } = await makeSecureApp({ db: kind, config: limits(2, 100) });
    fakeSinchAccepts(3);
    await postSend(app, valid);
    await postSend(app, valid);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await db.updateTable('messages').set({ created_at: twoHoursAgo }).execute();

    expect((await postSend(app, valid)).status).toBe(202);
  });

  it('When Sinch refused the earlier sends, then they do not count towards the limits', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits(1, 1) });
    nock(FAKE_SINCH).post(BATCHES_PATH).reply(400, { code: 'syntax_invalid_parameter_format', text: 'bad' });
    expect((await postSend(app, valid)).status).toBe(502);
    fakeSinchAccepts();
    expect((await postSend(app, valid)).status).toBe(202);
  });

  it('When MAX_SMS_PER_NUMBER_PER_HOUR is 0, then one number can get any number of messages', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits(0, 100) });
    fakeSinchAccepts(4);
    for (let i = 0; i < 4; i++) expect((await postSend(app, valid)).status).toBe(202);
  });

  it('When the daily cap is reached, then sending pauses with 503, Sinch is not called, it is logged once and /health says PAUSED', async () => {
    const { app, logs } = await makeSecureApp({ db: kind, config: limits(0, 2) });
    fakeSinchAccepts(2);
    expect((await request(app).get('/health')).body.checks.sending).toBe('ACTIVE');
    expect((await postSend(app, valid)).status).toBe(202);
    expect((await postSend(app, { ...valid, to: '+15559876543' })).status).toBe(202);
    const sinch = fakeSinchAccepts();

    const first = await postSend(app, { ...valid, to: '+15550000001' });
    const second = await postSend(app, { ...valid, to: '+15550000002' });
    const health = await request(app).get('/health');

    expectError(first, 503, 'DAILY_CAP_REACHED');
    expectError(second, 503, 'DAILY_CAP_REACHED');
    expect(Number(first.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(first.headers['retry-after'])).toBeLessThanOrEqual(86_400);
    expect(sinch.isDone()).toBe(false);
    const paused = logs.find('daily cap reached: sending paused');
    expect(paused).toHaveLength(1);
    expect(paused[0]?.level).toBe('error');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'UP', checks: { database: 'UP', sending: 'PAUSED' } });
  });

  it("When yesterday's messages reached the cap, then today's sending is not paused", async () => {
    const { app, db, logs } = await makeSecureApp({ db: kind, config: limits(0, 2) });
    fakeSinchAccepts(3);
    await postSend(app, valid);
    await postSend(app, valid);
    expect((await postSend(app, valid)).status).toBe(503);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await db.updateTable('messages').set({ created_at: yesterday }).execute();
    await db
      .updateTable('daily_send_counts')
      .set({ day: yesterday.slice(0, 10) })
      .execute();

    const res = await postSend(app, valid);

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(logs.find('daily cap no longer reached: sending resumed')).toHaveLength(1);
  });

  it('When MAX_SMS_PER_DAY is 0, then there is no daily cap', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits(0, 0) });
    fakeSinchAccepts(3);
    for (let i = 0; i < 3; i++) expect((await postSend(app, valid)).status).toBe(202);
    expect((await request(app).get('/health')).body.checks.sending).toBe('ACTIVE');
  });
});

describe('POST /send-sms, hardening', () => {
  it('When an authenticated body is larger than 128 kB, then it answers 413 in the JSON shape', async () => {
    const { app } = await makeSecureApp();
    const res = await postSend(app, { ...valid, message: 'x'.repeat(140_000) });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('When an authenticated body is not JSON, then it answers 415', async () => {
    const { app } = await makeSecureApp();
    const res = await request(app)
      .post('/send-sms')
      .set('Authorization', `Bearer ${API_KEY}`)
      .type('text/plain')
      .send(JSON.stringify(valid));
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('When the body is gzip-encoded garbage, then it answers 400, not 500', async () => {
    const { app } = await makeSecureApp();
    const res = await request(app)
      .post('/send-sms')
      .set('Authorization', `Bearer ${API_KEY}`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('this is not gzip');
    expectError(res, 400, 'BAD_REQUEST');
  });

  it('When something unexpected fails, then the answer has a fixed message, no stack and no internal detail', async () => {
    const sinch = {
      batchesUrl: `${FAKE_SINCH}${BATCHES_PATH}`,
      sendBatch: async () => {
        throw new TypeError('internal detail: cannot read db_password of undefined');
      },
    };
    const { app } = await makeSecureApp({ sinch: sinch as never });

    const res = await postSend(app, valid);

    expectError(res, 500, 'INTERNAL_ERROR');
    expect(res.text).not.toMatch(/internal detail|db_password|TypeError|\n\s+at /);
  });

  it('When the app answers, then helmet headers are set and Express is not advertised', async () => {
    const { app } = await makeSecureApp();
    const res = await postSend(app, valid, null);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    // An API answer may load nothing at all; the pages (console, /docs) set their own policy.
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
  });
});
