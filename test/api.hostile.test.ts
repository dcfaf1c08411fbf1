import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

// Issue 13 item 9: hostile input on the API routes (POST /send-sms, /messages, /opt-outs,
// /event-endpoints). Every case is a 4xx in the JSON shape, never a 5xx, and the service stays live.
// The callback route has its own file (webhooks-dlr.hostile.test.ts).

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

async function expectClientError(res: request.Response): Promise<void> {
  expect(res.status, `${res.status} ${res.text}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${res.status} ${res.text}`).toBeLessThan(500);
  expect(res.body).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
}

async function expectLive(app: Express): Promise<void> {
  await request(app).get('/health/live').expect(200);
}

const sendRaw = (app: Express, body: string) =>
  request(app).post('/send-sms').set('Content-Type', 'application/json').send(body);

describe.each(DB_KINDS)('API routes, hostile input, on %s', (kind) => {
  it.each([
    ['nested 20,000 deep', `{"to":"+15551234567","message":"Hi","x":${nested(20_000)}}`, 400],
    ['nested 33 deep', `{"to":"+15551234567","message":"Hi","x":${nested(32)}}`, 400],
    ['over SEND_MAX_BODY_KB', JSON.stringify({ to: '+15551234567', message: 'x'.repeat(130 * 1024) }), 413],
    [
      '1,001 recipients',
      JSON.stringify({
        to: Array.from({ length: 1_001 }, (_, i) => `+1555${String(i).padStart(7, '0')}`),
        message: 'Hi',
      }),
      400,
    ],
    ['a NUL in the message', JSON.stringify({ to: '+15551234567', message: 'a\u0000b' }), 400],
    ['a NUL in the number', JSON.stringify({ to: '+1555\u00001234567', message: 'Hi' }), 400],
    ['a bad escape', '{"to":"+15551234567","message":"\\x41"}', 400],
    [
      'sendAt out of range',
      JSON.stringify({ to: '+15551234567', message: 'Hi', sendAt: '+275760-09-13T00:00:00.001Z' }),
      400,
    ],
    ['numbers as 1e400', '{"to":"+15551234567","message":"Hi","maxParts":1e400}', 400],
  ])(
    'When POST /send-sms gets a body %s, then it answers its 4xx (400, or 413 over the size) in the JSON shape',
    async (_name, body, status) => {
      const { app } = await makeTestApp({ db: kind });

      const res = await sendRaw(app, body);

      await expectClientError(res);
      expect(res.status).toBe(status);
      await expectLive(app);
    },
  );

  it.each([
    '/messages/%ff',
    '/messages/%00',
    '/messages/a%00b',
    `/messages/${'x'.repeat(10_000)}`,
    '/messages?limit=2147483648',
    '/messages?limit=1e400',
    '/messages?limit=-1',
    '/messages?cursor=%00',
    '/messages?cursor=%ff%fe',
    `/messages?cursor=${'A'.repeat(5_000)}`,
    '/messages?status=%00',
    '/messages?recipient=%2B1555%00',
    '/messages?since=%00',
    '/messages?since=99999-01-01T00:00:00Z',
    '/opt-outs?limit=3000000000',
    '/opt-outs?cursor=%00',
    '/event-endpoints/%00',
    '/event-endpoints/%ff',
  ])('When GET %s is asked, then it answers 4xx in the JSON shape', async (path) => {
    const { app } = await makeTestApp({ db: kind });

    await expectClientError(await request(app).get(path));
    await expectLive(app);
  });

  it.each(['/messages/%00', '/messages/%ff', '/opt-outs/%00', '/opt-outs/%ff', '/opt-outs/+1555%001234567'])(
    'When DELETE %s is asked, then it answers 4xx in the JSON shape',
    async (path) => {
      const { app } = await makeTestApp({ db: kind });

      await expectClientError(await request(app).delete(path));
      await expectLive(app);
    },
  );

  it('When POST /event-endpoints gets a body nested 10,000 deep, then it answers 400 before parsing', async () => {
    const { app } = await makeTestApp({ db: kind });

    const res = await request(app)
      .post('/event-endpoints')
      .set('Content-Type', 'application/json')
      .send(`{"url":${nested(5_000)}}`);

    await expectClientError(res);
    expect(res.body.code).toBe('BAD_REQUEST');
    await expectLive(app);
  });
});
