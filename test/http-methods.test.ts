import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';

describe('A wrong method on a known route', () => {
  it.each([
    ['get', '/send-sms', 'OPTIONS, POST'],
    ['put', '/send-sms', 'OPTIONS, POST'],
    ['post', '/messages', 'GET, HEAD, OPTIONS'],
    ['put', '/messages/01ABC', 'DELETE, GET, HEAD, OPTIONS'],
    ['patch', '/opt-outs/15551234567', 'DELETE, OPTIONS'],
    ['get', '/webhooks/dlr', 'OPTIONS, POST'],
    ['delete', '/health/live', 'GET, HEAD, OPTIONS'],
  ] as const)(
    'When %s %s, then it answers 405 in the JSON shape with Allow: %s',
    async (method, path, allow) => {
      const { app } = await makeTestApp();

      const res = await request(app)[method](path);

      expect(res.status, JSON.stringify(res.body)).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.body).toMatchObject({
        code: 'METHOD_NOT_ALLOWED',
        error: expect.stringContaining(allow),
        requestId: expect.any(String),
        details: { allow: allow.split(', ') },
      });
    },
  );

  it('When a path no route knows is asked with any method, then it is still 404', async () => {
    const { app } = await makeTestApp();

    const res = await request(app).post('/no-such-thing');

    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
    expect(res.headers.allow).toBeUndefined();
  });
});

describe('OPTIONS', () => {
  it.each([
    ['/send-sms', 'OPTIONS, POST'],
    ['/messages/01ABC', 'DELETE, GET, HEAD, OPTIONS'],
    ['/health/live', 'GET, HEAD, OPTIONS'],
  ])('When OPTIONS %s, then it answers 204 with Allow: %s and no body', async (path, allow) => {
    const { app } = await makeTestApp();

    const res = await request(app).options(path);

    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe(allow);
    expect(res.text).toBe('');
  });

  it('When OPTIONS names an unknown path, then it answers 404 in the JSON shape', async () => {
    const { app } = await makeTestApp();

    const res = await request(app).options('/no-such-thing');

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
  });
});
