import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { signSinchCallback, verifySinchSignature } from '../src/sinch/signing';
import { CALLBACK_ENTRIES, type Target } from './helpers/app';
import {
  BASIC_PASSWORD,
  BASIC_USER,
  basicAuthHeader,
  makeSecureApp,
  OLD_WEBHOOK_SECRET,
  secureConfig,
  sinchSignatureHeaders,
  WEBHOOK_SECRET,
} from './helpers/security';

// The real signed payload and test vector of docs/sinch-sms-api.md §3b and §6.
const VECTOR = {
  secret: 'SMSWebhooksSecret',
  body: '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}',
  nonce: '01JHFFHWYY7HSS4FWTMDTQEK8V',
  timestamp: '1736760161',
  signature: 'ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=',
};
const vectorHeaders = {
  'x-sinch-webhook-signature': VECTOR.signature,
  'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  'x-sinch-webhook-signature-nonce': VECTOR.nonce,
  'x-sinch-webhook-signature-timestamp': VECTOR.timestamp,
};

const report = VECTOR.body;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function webhookConfig(auth: Partial<Config['webhookAuth']>, overrides: Partial<Config> = {}): Config {
  return secureConfig({
    webhookAuth: {
      hmacSecrets: [],
      basicCredentials: [],
      maxAgeSeconds: 259_200,
      maxClockSkewSeconds: 3600,
      ...auth,
    },
    ...overrides,
  });
}

function postCallback(app: Target, body: string, headers: Record<string, string> = {}) {
  return request(app).post('/webhooks/dlr').set('Content-Type', 'application/json').set(headers).send(body);
}

async function storedCallbacks(db: Awaited<ReturnType<typeof makeSecureApp>>['db']) {
  return db.selectFrom('callbacks').select('payload').execute();
}

describe.each(CALLBACK_ENTRIES)("Sinch's HMAC signature, the documented test vector, through %s", (entry) => {
  it('When the verifier signs the documented payload, then it gets the documented signature', () => {
    expect(signSinchCallback(VECTOR.secret, Buffer.from(VECTOR.body), VECTOR.nonce, VECTOR.timestamp)).toBe(
      VECTOR.signature,
    );
  });

  it('When the documented headers are checked at the documented time, then they verify', () => {
    const check = verifySinchSignature(vectorHeaders, Buffer.from(VECTOR.body), {
      secrets: [VECTOR.secret],
      maxAgeSeconds: 259_200,
      nowMs: Number(VECTOR.timestamp) * 1000 + 100,
    });
    expect(check).toEqual({ ok: true });
  });

  it('When the documented callback is posted with freshness off, then it is accepted and stored', async () => {
    const { target: app, db } = await makeSecureApp({
      entry,
      config: webhookConfig({ hmacSecrets: [VECTOR.secret], maxAgeSeconds: 0 }),
    });
    await postCallback(app, VECTOR.body, vectorHeaders).expect(200);
    expect(await storedCallbacks(db)).toEqual([{ payload: VECTOR.body }]);
  });

  it('When the documented callback is posted today with the default window, then it is refused as stale', async () => {
    const { target: app, logs } = await makeSecureApp({
      entry,
      config: webhookConfig({ hmacSecrets: [VECTOR.secret] }),
    });
    await postCallback(app, VECTOR.body, vectorHeaders).expect(401);
    expect(logs.find('callback refused: stale timestamp')).toHaveLength(1);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, HMAC signature, through %s', (entry) => {
  const config = () => webhookConfig({ hmacSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET] });

  it('When a callback is signed the way Sinch signs it, then it is accepted and stored', async () => {
    const { target: app, db } = await makeSecureApp({ entry, config: config() });
    await postCallback(app, report, sinchSignatureHeaders(WEBHOOK_SECRET, report)).expect(200);
    expect(await storedCallbacks(db)).toHaveLength(1);
  });

  it('When a callback is signed with the previous secret (rotation), then it is accepted', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    await postCallback(app, report, sinchSignatureHeaders(OLD_WEBHOOK_SECRET, report)).expect(200);
  });

  it('When one byte of the signed body is altered, then it answers 401, stores nothing and logs why', async () => {
    const { target: app, db, logs } = await makeSecureApp({ entry, config: config() });
    const headers = sinchSignatureHeaders(WEBHOOK_SECRET, report);
    const altered = report.replace('"code":0', '"code":1');

    const res = await postCallback(app, altered, headers);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: expect.any(String),
      code: 'UNAUTHORIZED',
      requestId: expect.any(String),
    });
    expect(await storedCallbacks(db)).toEqual([]);
    const [line] = logs.find('callback refused: bad signature');
    expect(line).toMatchObject({ level: 'warn', reason: 'bad signature' });
  });

  it('When one character of the signature is altered, then it answers 401', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    const headers = sinchSignatureHeaders(WEBHOOK_SECRET, report);
    const signature = headers['x-sinch-webhook-signature'] ?? '';
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    await postCallback(app, report, { ...headers, 'x-sinch-webhook-signature': flipped }).expect(401);
  });

  it('When the signature was computed over a re-serialised body, then it does not verify against the raw bytes', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    const raw = JSON.stringify(JSON.parse(report), null, 2);
    const reserialised = JSON.stringify(JSON.parse(raw));

    await postCallback(app, raw, sinchSignatureHeaders(WEBHOOK_SECRET, reserialised)).expect(401);
    await postCallback(app, raw, sinchSignatureHeaders(WEBHOOK_SECRET, raw)).expect(200);
  });

  it('When the callback is signed with an unknown secret, then it answers 401', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    await postCallback(app, report, sinchSignatureHeaders('another-secret-not-real', report)).expect(401);
  });

  it.each([
    ['no signature headers at all', {}, 'missing credentials'],
    ['no nonce', { 'x-sinch-webhook-signature-nonce': undefined }, 'missing nonce or timestamp header'],
    [
      'no timestamp',
      { 'x-sinch-webhook-signature-timestamp': undefined },
      'missing nonce or timestamp header',
    ],
    [
      'a non-numeric timestamp',
      { 'x-sinch-webhook-signature-timestamp': '2025-01-13' },
      'malformed timestamp',
    ],
    ['another algorithm', { 'x-sinch-webhook-signature-algorithm': 'HmacSHA1' }, 'unsupported algorithm'],
  ])('When the callback has %s, then it answers 401 and logs the reason', async (_name, change, reason) => {
    const { target: app, db, logs } = await makeSecureApp({ entry, config: config() });
    const signed = sinchSignatureHeaders(WEBHOOK_SECRET, report);
    const headers = Object.keys(change).length === 0 ? {} : { ...signed, ...change };
    const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;

    await postCallback(app, report, sent).expect(401);

    expect(logs.find(`callback refused: ${reason}`)).toHaveLength(1);
    expect(await storedCallbacks(db)).toEqual([]);
  });

  it('When an unauthenticated body is not even JSON, then it answers 401 before parsing', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    await postCallback(app, '{"type":').expect(401);
  });

  it('When no callback authentication is configured, then an unsigned callback is accepted', async () => {
    const { target: app } = await makeSecureApp({ entry, config: webhookConfig({}) });
    await postCallback(app, report).expect(200);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, timestamp freshness, through %s', (entry) => {
  const config = (maxAgeSeconds = 259_200) => webhookConfig({ hmacSecrets: [WEBHOOK_SECRET], maxAgeSeconds });

  it.each([
    ['just now', 0, 200],
    ['2 days ago (a late Sinch retry)', -2 * 86_400, 200],
    ['1 minute ahead (clock skew)', 60, 200],
    ['10 minutes ahead (a clock off by minutes)', 600, 200],
    ['59 minutes ahead', 3_540, 200],
    ['3 days and a minute ago', -259_260, 401],
    ['2 hours ahead', 7_200, 401],
  ])('When the signature timestamp is %s, then it answers %i', async (_name, offset, status) => {
    const { target: app } = await makeSecureApp({ entry, config: config() });
    const body = report.replace('"code":0', `"code":${Math.abs(offset) % 7}`);
    await postCallback(app, body, sinchSignatureHeaders(WEBHOOK_SECRET, body, nowSeconds() + offset)).expect(
      status,
    );
  });

  it('When WEBHOOK_MAX_AGE_SECONDS is 0, then a year-old signature is still accepted', async () => {
    const { target: app } = await makeSecureApp({ entry, config: config(0) });
    await postCallback(
      app,
      report,
      sinchSignatureHeaders(WEBHOOK_SECRET, report, nowSeconds() - 365 * 86_400),
    ).expect(200);
  });

  it('When the timestamp is 2 hours ahead, then the log says it is in the future', async () => {
    const { target: app, logs } = await makeSecureApp({ entry, config: config() });
    await postCallback(
      app,
      report,
      sinchSignatureHeaders(WEBHOOK_SECRET, report, nowSeconds() + 7_200),
    ).expect(401);
    expect(logs.find('callback refused: timestamp in the future')).toHaveLength(1);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, HTTP Basic credentials, through %s', (entry) => {
  const basicOnly = () =>
    webhookConfig({
      basicCredentials: [
        { username: 'sinch-old', password: 'old-basic-password-not-real' },
        { username: BASIC_USER, password: BASIC_PASSWORD },
      ],
    });

  it('When the callback carries configured credentials, then it is accepted', async () => {
    const { target: app } = await makeSecureApp({ entry, config: basicOnly() });
    await postCallback(app, report, { Authorization: basicAuthHeader(BASIC_USER, BASIC_PASSWORD) }).expect(
      200,
    );
  });

  it.each([
    ['a wrong password', basicAuthHeader(BASIC_USER, 'wrong-password'), 'bad basic credentials'],
    ['a wrong user', basicAuthHeader('someone', BASIC_PASSWORD), 'bad basic credentials'],
    [
      'a user from one pair and the password of another',
      basicAuthHeader('sinch-old', BASIC_PASSWORD),
      'bad basic credentials',
    ],
    ['a Bearer token', `Bearer ${BASIC_PASSWORD}`, 'bad basic credentials'],
  ])(
    'When the callback carries %s, then it answers 401 with a Basic challenge',
    async (_name, header, reason) => {
      const { target: app, logs } = await makeSecureApp({ entry, config: basicOnly() });
      const res = await postCallback(app, report, { Authorization: header });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
      expect(logs.find(`callback refused: ${reason}`)).toHaveLength(1);
    },
  );

  it('When only Basic is configured and the callback is HMAC-signed, then it answers 401', async () => {
    const { target: app } = await makeSecureApp({ entry, config: basicOnly() });
    await postCallback(app, report, sinchSignatureHeaders(WEBHOOK_SECRET, report)).expect(401);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, both HMAC and Basic configured, through %s', (entry) => {
  it('When a callback passes either check, then it is accepted; when it passes neither, 401', async () => {
    const { target: app } = await makeSecureApp({ entry });

    await postCallback(app, report, sinchSignatureHeaders(WEBHOOK_SECRET, report)).expect(200);
    await postCallback(app, report, { Authorization: basicAuthHeader(BASIC_USER, BASIC_PASSWORD) }).expect(
      200,
    );
    await postCallback(app, report, {
      ...sinchSignatureHeaders('wrong-secret-not-real', report),
      Authorization: basicAuthHeader(BASIC_USER, 'wrong-password'),
    }).expect(401);
    await postCallback(app, report).expect(401);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, limits, through %s', (entry) => {
  it('When a client goes over RATE_LIMIT_WEBHOOK, then it gets 429 (which Sinch retries)', async () => {
    const { target: app } = await makeSecureApp({
      entry,
      config: webhookConfig({}, { rateLimitWebhookPerMinute: 2 }),
    });
    await postCallback(app, report).expect(200);
    await postCallback(app, report).expect(200);
    const res = await postCallback(app, report);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('RATE_LIMITED');
  });

  it('When RATE_LIMIT_WEBHOOK is 0, then there is no limit', async () => {
    const { target: app } = await makeSecureApp({
      entry,
      config: webhookConfig({}, { rateLimitWebhookPerMinute: 0 }),
    });
    for (let i = 0; i < 4; i++) await postCallback(app, report).expect(200);
  });

  it('When the body is over 2 MB, then it answers 413 in the JSON shape', async () => {
    const { target: app } = await makeSecureApp({ entry });
    const res = await postCallback(app, `{"pad":"${'x'.repeat(2_100_000)}"}`);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
