import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createSinchClient, type SinchClient } from '../src/sinch/sinch.client';
import { FAKE_SINCH, makeTestApp, TEST_PLAN, TEST_TOKEN, testConfig } from './helpers/app';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;
const valid = { to: '+15551234567', message: 'Hello' };

function expectErrorShape(body: Record<string, unknown>, code: string) {
  expect(body).toMatchObject({ code, error: expect.any(String), requestId: expect.any(String) });
}

describe('POST /send-sms, bad input', () => {
  describe.each([
    ['to is missing', { message: 'Hello' }],
    ['message is missing', { to: '+15551234567' }],
    ['to has no plus', { to: '15551234567', message: 'Hello' }],
    ['to has letters', { to: '+1555CALLNOW', message: 'Hello' }],
    ['to is too long', { to: '+1234567890123456', message: 'Hello' }],
    ['to starts with +0', { to: '+0123456789', message: 'Hello' }],
    ['to is a number', { to: 15551234567, message: 'Hello' }],
    ['to is a nested list', { to: [['+15551234567']], message: 'Hello' }],
    ['message is empty', { to: '+15551234567', message: '' }],
    ['message is only spaces', { to: '+15551234567', message: '   ' }],
    ['message is over 2000 characters', { to: '+15551234567', message: 'a'.repeat(2001) }],
    ['message is a number', { to: '+15551234567', message: 42 }],
    ['clientReference is over 128 characters', { ...valid, clientReference: 'r'.repeat(129) }],
    ['an unknown field is given', { ...valid, body: 'typo for message' }],
  ])('When %s', (_name, body) => {
    it('then it answers 400 VALIDATION_FAILED and never calls Sinch', async () => {
      const { app } = await makeTestApp();
      const sinch = nock(FAKE_SINCH).post(batchesPath).reply(201, {});

      const res = await request(app).post('/send-sms').send(body);

      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
      expect(sinch.isDone()).toBe(false);
    });
  });

  it('When the body is malformed JSON, then it answers 400 INVALID_JSON', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).post('/send-sms').set('Content-Type', 'application/json').send('{"to":');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'INVALID_JSON');
  });

  it('When the body is a JSON array, then it answers 400', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).post('/send-sms').send([valid]);
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_FAILED');
  });

  it('When the body is not sent as JSON, then it answers 415', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).post('/send-sms').type('form').send('to=%2B15551234567&message=hi');
    expect(res.status).toBe(415);
    expectErrorShape(res.body, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('When the body is larger than the limit, then it answers 413 in the JSON shape', async () => {
    const { app } = await makeTestApp();
    const res = await request(app)
      .post('/send-sms')
      .send({ ...valid, message: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
  });
});

describe('POST /send-sms, Sinch fails', () => {
  it('When Sinch refuses with {code, text}, then it answers 502 with both in details', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(400, { code: 'syntax_invalid_parameter_format', text: "'foo' is not a valid MSISDN" });

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(502);
    expectErrorShape(res.body, 'SINCH_REJECTED');
    expect(res.body.details).toMatchObject({
      sinchStatus: 400,
      sinchCode: 'syntax_invalid_parameter_format',
      sinchText: "'foo' is not a valid MSISDN",
      retryable: false,
    });
  });

  it('When Sinch refuses with the nested {error: {...}} envelope, then its status and message are kept', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(400, {
        error: {
          code: 400,
          message: 'parsing field "type": "XXX" is not a valid value',
          status: 'INVALID_ARGUMENT',
        },
      });

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(502);
    expect(res.body.details).toMatchObject({
      sinchStatus: 400,
      sinchCode: 'INVALID_ARGUMENT',
      sinchText: 'parsing field "type": "XXX" is not a valid value',
    });
  });

  it.each([401, 403])(
    'When Sinch answers %i, then it answers 502 and logs a credentials problem at error level',
    async (status) => {
      const { app, logs } = await makeTestApp();
      nock(FAKE_SINCH).post(batchesPath).reply(status, { code: 'unauthorized', text: 'bad token' });

      const res = await request(app).post('/send-sms').send(valid);

      expect(res.status).toBe(502);
      expectErrorShape(res.body, 'SINCH_REJECTED');
      const line = logs.lines.find((l) => l.level === 'error' && String(l.msg).includes('credentials'));
      expect(line, logs.text()).toBeDefined();
      expect(logs.text()).not.toContain(TEST_TOKEN);
    },
  );

  it.each([500, 503])(
    'When Sinch answers %i, then it answers 502 SINCH_UNAVAILABLE, retryable',
    async (status) => {
      const { app } = await makeTestApp();
      nock(FAKE_SINCH).post(batchesPath).reply(status, 'upstream trouble');

      const res = await request(app).post('/send-sms').send(valid);

      expect(res.status).toBe(502);
      expectErrorShape(res.body, 'SINCH_UNAVAILABLE');
      expect(res.body.details).toMatchObject({ sinchStatus: status, retryable: true });
    },
  );

  it('When Sinch answers 429, then it answers 502 marked retryable', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(429, { code: 'too_many_requests', text: 'slow down' }, { 'Retry-After': '3' });

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(502);
    expect(res.body.details).toMatchObject({ sinchStatus: 429, retryable: true });
  });

  it('When Sinch does not answer in time, then it answers 504 SINCH_TIMEOUT', async () => {
    const { app } = await makeTestApp({ config: testConfig({}, { timeoutMs: 200 }) });
    nock(FAKE_SINCH).post(batchesPath).delay(1_000).reply(201, {});

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(504);
    expectErrorShape(res.body, 'SINCH_TIMEOUT');
  });

  it('When the connection to Sinch fails, then it answers 502 SINCH_UNAVAILABLE', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH)
      .post(batchesPath)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(502);
    expectErrorShape(res.body, 'SINCH_UNAVAILABLE');
    expect(JSON.stringify(res.body)).not.toContain('stack');
  });

  it('When Sinch answers 201 with a body that is not a batch, then it answers 502', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH).post(batchesPath).reply(201, { unexpected: true });

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(502);
    expectErrorShape(res.body, 'SINCH_UNAVAILABLE');
  });
});

describe('POST /send-sms, rate limit', () => {
  it('When a client exceeds RATE_LIMIT_SEND a minute, then it gets 429 in the JSON shape with RateLimit headers', async () => {
    const { app } = await makeTestApp({ config: testConfig({ rateLimitSendPerMinute: 2 }) });
    nock(FAKE_SINCH).post(batchesPath).times(2).reply(201, { id: '01JRATE0000000000000000000', to: [] });

    const first = await request(app).post('/send-sms').send(valid);
    await request(app).post('/send-sms').send(valid);
    const third = await request(app).post('/send-sms').send(valid);

    expect(first.status).toBe(202);
    expect(first.headers.ratelimit).toBeDefined();
    expect(third.status).toBe(429);
    expectErrorShape(third.body, 'RATE_LIMITED');
  });

  it('When RATE_LIMIT_SEND is 0, then the limit is off', async () => {
    const { app } = await makeTestApp({ config: testConfig({ rateLimitSendPerMinute: 0 }) });
    nock(FAKE_SINCH).post(batchesPath).times(3).reply(201, { id: '01JRATE0000000000000000000', to: [] });

    for (let i = 0; i < 3; i++) {
      const res = await request(app).post('/send-sms').send(valid);
      expect(res.status).toBe(202);
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });
});

describe('POST /send-sms, our own bug', () => {
  it('When something unexpected throws, then it answers 500 with a fixed message and logs the cause once at error level', async () => {
    const brokenSinch: SinchClient = {
      ...createSinchClient(testConfig().sinch),
      sendBatch: () => Promise.reject(new TypeError('internal detail that must not leak')),
    };
    const { app, logs } = await makeTestApp({ sinch: brokenSinch });

    const res = await request(app).post('/send-sms').send(valid);

    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'Something went wrong on our side.',
      code: 'INTERNAL_ERROR',
      requestId: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain('internal detail');
    const errorLines = logs.lines.filter((l) => l.level === 'error');
    expect(errorLines).toHaveLength(1);
    expect(JSON.stringify(errorLines[0])).toContain('internal detail that must not leak');
    expect(errorLines[0]?.req).toMatchObject({ id: res.body.requestId });
  });
});
