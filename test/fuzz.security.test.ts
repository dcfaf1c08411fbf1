import type { Express } from 'express';
import fc from 'fast-check';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { FAKE_SINCH, sinchBatch } from './helpers/app';
import {
  API_KEY,
  BASIC_PASSWORD,
  BASIC_USER,
  BATCHES_PATH,
  basicAuthHeader,
  makeSecureApp,
  secureConfig,
  sinchSignatureHeaders,
  WEBHOOK_SECRET,
} from './helpers/security';

// Hostile input thrown at the real app over a real SQLite database: whatever comes in, the answer is
// never a 5xx, always the JSON error shape when it is an error, and never a stack trace.
const RUNS = { numRuns: 100 };

function fuzzConfig(): Config {
  // Limits out of the way so the input reaches the deepest code; they are tested on their own.
  return secureConfig({
    rateLimitSendPerMinute: 0,
    rateLimitWebhookPerMinute: 0,
    sendLimits: { allowedDestinationPrefixes: [], maxPerNumberPerHour: 0, maxPerDay: 0, maxPerKeyPerDay: 0 },
  });
}

async function fuzzApp(): Promise<Express> {
  const { app } = await makeSecureApp({ config: fuzzConfig() });
  // Should a random body be a valid send, Sinch accepts it: a 5xx would then be ours.
  nock(FAKE_SINCH)
    .post(BATCHES_PATH)
    .reply(201, (_uri, body) => sinchBatch(body as Record<string, unknown>))
    .persist();
  return app;
}

function expectSane(res: request.Response, what: string): void {
  const text = res.text ?? '';
  const context = `${what} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, context).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers['content-type'], context).toMatch(/^application\/json/);
    expect(res.body, context).toMatchObject({ error: expect.any(String), code: expect.any(String) });
  }
  expect(text, context).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

/** Percent-encodes every UTF-8 byte (lone surrogates included), where encodeURIComponent would throw. */
const pathSegment = (value: string) =>
  [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** Characters Node's HTTP client lets through in a header value. */
const headerValue = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09)).map((c) => String.fromCharCode(c)),
  maxLength: 120,
});

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    '\u0000',
    '+'.repeat(50),
    '+1555\u0000123',
    '+15551234567\n',
    "'; drop table messages; --",
    '%00%2e%2e%2f',
    '../../etc/passwd',
    '\ud800',
    '9'.repeat(400),
  ),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    { to: fc.oneof(hostileString, fc.jsonValue()), message: fc.oneof(hostileString, fc.jsonValue()) },
    { requiredKeys: [] },
  ),
  fc.record({
    to: fc.stringMatching(/^\+[1-9]\d{1,14}$/),
    message: fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
    clientReference: fc.option(hostileString, { nil: undefined }),
  }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'to', 'message'), fc.jsonValue()),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/vnd.api+json',
  ),
  headerValue,
);

const authHeaders = fc.record(
  {
    authorization: fc.oneof(
      headerValue,
      fc.constant(`Bearer ${API_KEY}`),
      headerValue.map((v) => `Bearer ${v}`),
      headerValue.map((v) => `Basic ${Buffer.from(v).toString('base64')}`),
    ),
    'x-api-key': fc.oneof(headerValue, fc.constant(API_KEY)),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'),
    'x-request-id': headerValue,
  },
  { requiredKeys: [] },
);

// Each test sends 100 generated requests through the app one after another, a few seconds of CPU:
// on a busy 2-core machine more than the suite's 10 s.
describe('fuzzing every endpoint', { timeout: 60_000 }, () => {
  it('When POST /send-sms gets random JSON bodies with a valid key, then no 5xx', async () => {
    const app = await fuzzApp();
    await fc.assert(
      fc.asyncProperty(jsonBody, async (body) => {
        const res = await request(app)
          .post('/send-sms')
          .set('Authorization', `Bearer ${API_KEY}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        expectSane(res, `send ${JSON.stringify(body)}`);
      }),
      RUNS,
    );
  });

  it('When POST /send-sms gets random bytes, content types and headers, then no 5xx', async () => {
    const app = await fuzzApp();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 500 }),
          jsonBody.map((b) => JSON.stringify(b)),
        ),
        contentType,
        authHeaders,
        async (body, type, headers) => {
          const res = await request(app).post('/send-sms').set(headers).set('Content-Type', type).send(body);
          expectSane(res, `send ${type} ${JSON.stringify(headers)} ${JSON.stringify(body)}`);
        },
      ),
      RUNS,
    );
  });

  it('When GET /messages/:id gets random ids and headers, then no 5xx', async () => {
    const app = await fuzzApp();
    await fc.assert(
      fc.asyncProperty(hostileString, authHeaders, async (id, headers) => {
        const res = await request(app)
          .get(`/messages/${pathSegment(id)}`)
          .set(headers);
        expectSane(res, `get ${JSON.stringify(id)} ${JSON.stringify(headers)}`);
      }),
      RUNS,
    );
  });

  const callbackBody = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 500 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          type: fc.oneof(
            fc.constantFrom('recipient_delivery_report_sms', 'delivery_report_sms', 'mo_text', 'mo_binary'),
            hostileString,
          ),
          batch_id: fc.oneof(hostileString, fc.jsonValue()),
          recipient: fc.oneof(hostileString, fc.jsonValue()),
          status: fc.oneof(fc.constantFrom('Delivered', 'Failed', 'Dispatched'), hostileString),
          code: fc.oneof(fc.integer(), hostileString, fc.jsonValue()),
          at: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            hostileString,
          ),
          client_reference: fc.oneof(hostileString, fc.jsonValue()),
          statuses: fc.jsonValue(),
          from: hostileString,
          to: hostileString,
          body: hostileString,
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );

  it('When POST /webhooks/dlr gets random bodies with random signature headers, then no 5xx', async () => {
    const app = await fuzzApp();
    await fc.assert(
      fc.asyncProperty(
        callbackBody,
        fc.record(
          {
            'x-sinch-webhook-signature': headerValue,
            'x-sinch-webhook-signature-nonce': headerValue,
            'x-sinch-webhook-signature-timestamp': fc.oneof(headerValue, fc.integer().map(String)),
            'x-sinch-webhook-signature-algorithm': fc.oneof(headerValue, fc.constant('HmacSHA256')),
            authorization: fc.oneof(headerValue, fc.constant(basicAuthHeader(BASIC_USER, 'wrong'))),
          },
          { requiredKeys: [] },
        ),
        contentType,
        async (body, headers, type) => {
          const res = await request(app)
            .post('/webhooks/dlr')
            .set(headers)
            .set('Content-Type', type)
            .send(body);
          expectSane(res, `callback ${JSON.stringify(headers)} ${JSON.stringify(body)}`);
        },
      ),
      RUNS,
    );
  });

  it('When POST /webhooks/dlr gets random bodies that are correctly authenticated, then they are stored or refused, never a 5xx', async () => {
    const app = await fuzzApp();
    await fc.assert(
      fc.asyncProperty(callbackBody, fc.boolean(), async (body, useBasic) => {
        const headers = useBasic
          ? { Authorization: basicAuthHeader(BASIC_USER, BASIC_PASSWORD) }
          : sinchSignatureHeaders(WEBHOOK_SECRET, body);
        const res = await request(app)
          .post('/webhooks/dlr')
          .set(headers)
          .set('Content-Type', 'application/json')
          .send(body);
        expectSane(res, `signed callback ${JSON.stringify(body)}`);
        // Authenticated: a refusal may only be about the content, never about the credentials.
        expect(res.status, res.text).not.toBe(401);
      }),
      RUNS,
    );
  });

  it('When GET /messages and GET /opt-outs get random query strings, then no 5xx', async () => {
    const app = await fuzzApp();
    const key = fc.oneof(
      fc.constantFrom('limit', 'cursor', 'status', 'recipient', 'since', 'until', '__proto__', 'constructor'),
      hostileString,
    );
    const value = fc.oneof(
      hostileString,
      fc.constantFrom('0', '-1', '1e3', '50.5', '201', 'Delivered', 'delivered', '+15551234567'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.base64String({ maxLength: 80 }),
    );
    // Each pair percent-encoded, or sent as it is (brackets make qs build arrays and objects).
    const pair = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => `${pathSegment(k)}=${pathSegment(v)}`),
      fc.tuple(key, value).map(([k, v]) => `${k}[]=${pathSegment(v)}`),
      fc.tuple(key, key, value).map(([k, sub, v]) => `${k}[${pathSegment(sub)}]=${pathSegment(v)}`),
      fc.stringMatching(/^[\x21-\x7e]{0,40}$/).map((raw) => raw.replace(/#/g, '%23')),
    );
    const query = fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/messages', '/opt-outs'), query, async (path, q) => {
        const res = await request(app).get(`${path}?${q}`).set('Authorization', `Bearer ${API_KEY}`);
        expectSane(res, `get ${path}?${q}`);
      }),
      RUNS,
    );
  });

  it('When any method and path are requested with random headers, then no 5xx', async () => {
    const app = await fuzzApp();
    const method = fc.constantFrom(
      'get',
      'post',
      'put',
      'patch',
      'delete',
      'options',
      'head',
    ) as fc.Arbitrary<'get' | 'post' | 'put' | 'patch' | 'delete' | 'options' | 'head'>;
    // The client resolves dot segments and reads \ as /: a path that then starts with // would name
    // another host, so backslashes are sent encoded and slashes single.
    const path = fc
      .oneof(
        fc.constantFrom('/health', '/send-sms', '/webhooks/dlr', '/messages/x', '/', '/%', '/%zz', '/x/../y'),
        hostileString.map((s) => `/${pathSegment(s)}`),
        fc.stringMatching(/^\/[\x21-\x7e]{0,60}$/),
        fc.webPath(),
      )
      .map((p) => p.replace(/\\/g, '%5C').replace(/\/{2,}/g, '/'));
    await fc.assert(
      fc.asyncProperty(method, path, authHeaders, async (m, p, headers) => {
        const res = await request(app)[m](p).set(headers);
        expect(res.status, `${m} ${p} → ${res.status} ${(res.text ?? '').slice(0, 200)}`).toBeLessThan(500);
      }),
      RUNS,
    );
  });
});
