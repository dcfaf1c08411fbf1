import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventPoster } from '../src/events/event-post';

/** A receiver answering 204, with the connections it was opened. */
async function receiver(keepAliveTimeoutMs = 5_000) {
  const sockets: Socket[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, sockets };
}

const open = { allowHttp: true, allowPrivate: true };

describe('the event poster', () => {
  // nock (test/helpers/setup.ts) puts a socket of its own under every request, which ends keep-alive:
  // these tests look at connections, so they run on node's HTTP client as it is. Loopback only.
  beforeAll(() => nock.restore());
  afterAll(() => {
    nock.activate();
  });

  it('When ten events go to one receiver one after another, then they share one connection', async () => {
    const app = await receiver();
    const poster = eventPoster({ timeoutMs: 2_000, rules: open });
    onTestFinished(() => poster.close());

    const results = [];
    for (let i = 0; i < 10; i++) results.push(await poster.post(app.url, `{"n":${i}}`, {}));

    expect(results.map((r) => r.status)).toEqual(Array(10).fill(204));
    expect(app.sockets).toHaveLength(1);
  });

  it('When the receiver has closed the idle connection, then the next event opens a new one and arrives', async () => {
    const app = await receiver(100);
    const poster = eventPoster({ timeoutMs: 2_000, rules: open });
    onTestFinished(() => poster.close());

    expect((await poster.post(app.url, '{}', {})).status).toBe(204);
    const first = app.sockets[0] as Socket;
    await new Promise<void>((resolve) =>
      first.destroyed ? resolve() : first.once('close', () => resolve()),
    );

    expect((await poster.post(app.url, '{}', {})).status).toBe(204);
    expect(app.sockets).toHaveLength(2);
  });

  it('When a name resolves to an internal address at delivery, then the kept-open poster connects to nothing either', async () => {
    const app = await receiver();
    const poster = eventPoster({ timeoutMs: 2_000, rules: { allowHttp: true, allowPrivate: false } });
    onTestFinished(() => poster.close());

    const result = await poster.post(app.url.replace('127.0.0.1', 'localhost'), '{}', {});

    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^refused: localhost resolves to/);
    expect(app.sockets).toHaveLength(0);
  });
});
