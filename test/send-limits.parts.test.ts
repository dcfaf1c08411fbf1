import nock from 'nock';
import type request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { analyzeBody } from '../src/sinch/encoding';
import { DB_KINDS } from './helpers/databases';
import {
  API_KEY,
  fakeSinchAccepts,
  makeSecureApp,
  OTHER_API_KEY,
  postSend,
  secureConfig,
} from './helpers/security';

/** 400 GSM characters: three SMS parts (153 characters each once a message is split). */
const THREE_PARTS = 'a'.repeat(400);

const limits = (sendLimits: Partial<Config['sendLimits']>) =>
  secureConfig({
    sendLimits: {
      allowedDestinationPrefixes: [],
      maxPerNumberPerHour: 0,
      maxPerDay: 0,
      maxPerKeyPerDay: 0,
      ...sendLimits,
    },
  });

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.any(String), code, requestId: expect.any(String) });
}

describe.each(DB_KINDS)('Send limits counted in SMS parts, per key (%s)', (kind) => {
  it('When a key has sent its MAX_SMS_PER_KEY_PER_DAY parts, then it gets 429 and another key still sends', async () => {
    expect(analyzeBody(THREE_PARTS).numberOfParts).toBe(3);
    const { app, logs } = await makeSecureApp({ db: kind, config: limits({ maxPerKeyPerDay: 7 }) });
    fakeSinchAccepts(3);
    // 2 recipients × 3 parts = 6 of the key's 7.
    const first = await postSend(
      app,
      { to: ['+15551230001', '+15551230002'], message: THREE_PARTS },
      API_KEY,
    );
    expect(first.status, JSON.stringify(first.body)).toBe(202);

    const over = await postSend(app, { to: '+15551230003', message: THREE_PARTS }, API_KEY);
    const again = await postSend(app, { to: '+15551230004', message: THREE_PARTS }, API_KEY);
    const otherKey = await postSend(app, { to: '+15551230003', message: THREE_PARTS }, OTHER_API_KEY);
    const oneMore = await postSend(app, { to: '+15551230005', message: 'short' }, API_KEY);

    expectError(over, 429, 'KEY_DAILY_CAP_REACHED');
    expectError(again, 429, 'KEY_DAILY_CAP_REACHED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(otherKey.status, JSON.stringify(otherKey.body)).toBe(202);
    // One part left for this key: a one-part message fits.
    expect(oneMore.status, JSON.stringify(oneMore.body)).toBe(202);
    expect(logs.find('daily cap of an API key reached')).toHaveLength(1);
    nock.cleanAll();
  });

  it('When a send Sinch refuses is taken back, then its parts come off the key’s day too', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits({ maxPerKeyPerDay: 3 }) });
    nock('https://sinch.test')
      .post(/batches/)
      .reply(400, { code: 'syntax_invalid_parameter_format', text: 'refused' });
    const refused = await postSend(app, { to: '+15551230001', message: THREE_PARTS });
    expect(refused.status).toBe(502);
    fakeSinchAccepts();

    const res = await postSend(app, { to: '+15551230001', message: THREE_PARTS });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('When a message of 3 parts to 2 numbers would pass MAX_SMS_PER_DAY of 5 parts, then the whole send gets 503 DAILY_CAP_REACHED', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits({ maxPerDay: 5 }) });
    const sinch = fakeSinchAccepts();

    const res = await postSend(app, { to: ['+15551230001', '+15551230002'], message: THREE_PARTS });
    expectError(res, 503, 'DAILY_CAP_REACHED');
    expect(sinch.isDone()).toBe(false);
    expect((await postSend(app, { to: '+15551230001', message: THREE_PARTS })).status).toBe(202);
  });

  it('When a number had a 3-part message this hour and its limit is 4 parts, then a second 3-part message to it gets 429', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits({ maxPerNumberPerHour: 4 }) });
    fakeSinchAccepts(2);
    expect((await postSend(app, { to: '+15551230001', message: THREE_PARTS })).status).toBe(202);

    const res = await postSend(app, { to: '+15551230001', message: THREE_PARTS });

    expectError(res, 429, 'DESTINATION_RATE_LIMITED');
    expect(res.body.error).toMatch(/at most 4 an hour \(this message has 3\)/);
    // One part fits beside the three already sent.
    expect((await postSend(app, { to: '+15551230001', message: 'short' })).status).toBe(202);
  });

  it('When one message has more parts than the per-number limit, then it is refused with 400 (no wait would help) even to a fresh number', async () => {
    const { app } = await makeSecureApp({ db: kind, config: limits({ maxPerNumberPerHour: 2 }) });
    const sinch = fakeSinchAccepts();

    const res = await postSend(app, { to: '+15551230009', message: THREE_PARTS });

    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error).toContain('3 SMS parts');
    expect(sinch.isDone()).toBe(false);
    nock.cleanAll();
  });
});
