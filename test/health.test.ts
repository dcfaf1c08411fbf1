import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
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

  it('When a request is answered, then one line at info gives its method, path, status and time under its id', async () => {
    const { app, logs } = await makeTestApp();
    const res = await request(app).get('/health?probe=1');
    const id = res.headers['x-request-id'];
    const lines = logs.lines.filter((l) => (l.req as { id?: string } | undefined)?.id === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      req: { id, method: 'GET', url: '/health?probe=1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: expect.stringMatching(/^GET \/health\?probe=1 200 \d+ms$/),
    });
  });

  it('When the client goes away before the answer, then its request is logged at warn as closed by the client', async () => {
    const { app, logs } = await makeTestApp();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    // Promises 100 bytes of body, sends 9, then hangs up while the body is still being read.
    const received = once(server, 'request');
    socket.write('POST /webhooks/dlr HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n{"type":');
    // The server has parsed the head and handed the request to the app, which now reads the body.
    await received;
    socket.destroy();

    await vi.waitFor(() => {
      const closed = logs.lines.filter(
        (l) => l.msg === 'POST /webhooks/dlr closed by the client before the answer',
      );
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({ level: 'warn', req: { method: 'POST', url: '/webhooks/dlr' } });
    });
  });

  it('When the app answers, then it does not advertise Express', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).get('/health');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
