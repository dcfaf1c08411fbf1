import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventPoster, postEvent } from '../src/events/event-post';

const open = { allowHttp: true, allowPrivate: true };

/**
 * A receiver that answers each connection's first request 204 with keep-alive, and closes the
 * connection when another request comes on it: what a receiver does when it closes an idle
 * connection (its keep-alive timeout, a load balancer's) just as the next event is written on it.
 */
async function closesIdleAsNextArrives() {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    let requests = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // One request per chunk here: headers and a small body.
      if (!buffered.includes('\r\n\r\n')) return;
      buffered = '';
      requests++;
      if (requests === 1) socket.write('HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n');
      else socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, connections };
}

/** A receiver answering 204 that never closes an idle connection itself. */
async function neverClosesIdle() {
  const sockets: Socket[] = [];
  const server: Server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 0;
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, sockets };
}

describe('the event poster and connections the receiver closes', () => {
  // As in events.poster.test.ts: nock gives each request a socket of its own, which ends keep-alive.
  beforeAll(() => nock.restore());
  afterAll(() => {
    nock.activate();
  });

  it('When each event has a connection of its own (no agent), then the second event arrives too', async () => {
    const app = await closesIdleAsNextArrives();
    expect((await postEvent(app.url, '{}', {}, { timeoutMs: 2_000, rules: open })).status).toBe(204);
    expect((await postEvent(app.url, '{}', {}, { timeoutMs: 2_000, rules: open })).status).toBe(204);
  });

  it('When the receiver closes a kept-open connection as the next event is written on it, then that event is sent on a new connection, not counted a failed attempt', async () => {
    const app = await closesIdleAsNextArrives();
    const poster = eventPoster({ timeoutMs: 2_000, rules: open });
    onTestFinished(() => poster.close());

    expect((await poster.post(app.url, '{}', {})).status).toBe(204);
    const second = await poster.post(app.url, '{}', {});

    // Today: { status: null, error: 'socket hang up' }, which classify() retries after EVENT_RETRY_BASE_MS
    // (5 s), holding the message's later events, and which marks the endpoint failing.
    expect(second).toMatchObject({ status: 204, error: null });
  });

  it('When a receiver never closes idle connections, then the poster closes its own once idle, rather than holding one per receiver for ever', async () => {
    const apps = [await neverClosesIdle(), await neverClosesIdle(), await neverClosesIdle()];
    const poster = eventPoster({ timeoutMs: 2_000, rules: open });
    onTestFinished(() => poster.close());

    for (const app of apps) expect((await poster.post(app.url, '{}', {})).status).toBe(204);

    await expect
      .poll(() => apps.flatMap((a) => a.sockets).filter((s) => !s.destroyed).length, {
        timeout: 8_000,
        interval: 250,
      })
      .toBe(0);
  }, 12_000);
});
