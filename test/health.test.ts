import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';

describe('GET /health', () => {
  it('When the service runs, then it answers 200 UP with an ISO timestamp', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('UP');
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
  });
});

describe('every route', () => {
  it('When the route does not exist, then it answers 404 in the JSON error shape, not HTML', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: expect.any(String), code: 'NOT_FOUND', requestId: expect.any(String) });
  });

  it('When the client sends X-Request-Id, then it is echoed in the header, the error body and the logs', async () => {
    const { app, logs } = await makeTestApp();
    const res = await request(app).get('/nowhere').set('X-Request-Id', 'trace-abc.123');
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(res.body.requestId).toBe('trace-abc.123');
    expect(logs.lines.some((l) => (l.req as { id?: string } | undefined)?.id === 'trace-abc.123')).toBe(true);
  });

  it('When X-Request-Id is unreasonable, then a fresh id replaces it', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/health').set('X-Request-Id', '<script>'.repeat(40));
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('When the app answers, then it does not advertise Express', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/health');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
