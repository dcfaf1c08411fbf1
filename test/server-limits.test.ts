import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Config, loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { type RunningService, startService } from '../src/service';
import { FAKE_SINCH, LogCapture, sinchBatch, TEST_ENV, TEST_PLAN, testConfig } from './helpers/app';

/** The service as `npm start` runs it, listening on loopback, with these HTTP limits. */
async function startWith(http: Partial<Config['http']>): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-limits-'));
  const base = testConfig({ databaseUrl: `sqlite:${join(dir, 'sms.sqlite')}` });
  const config = { ...base, http: { ...base.http, ...http } };
  const service = await startService(config, createLogger('debug', new LogCapture()));
  let stopped = false;
  const stop = service.stop;
  service.stop = async () => {
    stopped = true;
    await stop();
  };
  onTestFinished(async () => {
    if (!stopped) await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return service;
}

/** A socket to the service that has sent `text` (maybe nothing) and waits. */
async function openSocket(service: RunningService, text = ''): Promise<Socket> {
  const socket = connect(service.port, '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  if (text) socket.write(text);
  onTestFinished(() => {
    socket.destroy();
  });
  return socket;
}

/** Resolves with what the server wrote before it closed the socket. */
function closedWith(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk;
  });
  socket.on('error', () => {});
  return new Promise((done) => socket.once('close', () => done(received)));
}

async function openConnections(service: RunningService): Promise<number> {
  return new Promise((done, fail) =>
    service.server.getConnections((error, count) => (error ? fail(error) : done(count))),
  );
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((tick) => setImmediate(tick));
}

/**
 * Reads one HTTP response from a raw socket (nock patches node's HTTP client, not sockets, and it
 * changes how that client keeps connections alive); the answer's status line, headers and body.
 */
function readResponse(
  socket: Socket,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((done, fail) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = buffer.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < end + 4 + length) return;
      socket.off('data', onData);
      done({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: buffer.slice(end + 4, end + 4 + length),
      });
    };
    socket.on('data', onData);
    socket.once('error', fail);
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

function post(path: string, body: unknown): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

describe('HTTP server limits', () => {
  it('When a client sends part of its headers and stops, then the connection is closed after the headers timeout', async () => {
    const service = await startWith({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const started = Date.now();
    const socket = await openSocket(service, 'GET /health HTTP/1.1\r\nHost: localhost\r\n');

    const received = await closedWith(socket);

    expect(received).toMatch(/^HTTP\/1\.1 408/);
    // Node's own default is 60 s; the interval that checks the timeout is 1 s here, not 30 s.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('When the connection cap is reached, then one more is closed at once, and the service answers again once one goes', async () => {
    const service = await startWith({ maxConnections: 2 });
    const idle = [await openSocket(service), await openSocket(service)];
    await until(async () => (await openConnections(service)) === 2);

    const refused = await openSocket(service, 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await closedWith(refused)).toBe('');

    idle[0]?.destroy();
    await until(async () => (await openConnections(service)) < 2);
    const socket = await openSocket(service, get('/health/live'));
    expect((await readResponse(socket)).status).toBe(200);
  });

  it('When shutdown begins while a request runs, then its answer says Connection: close, where one before said keep-alive', async () => {
    const service = await startWith({});
    const socket = await openSocket(service, get('/health/live'));
    const before = await readResponse(socket);
    let sinchGotIt!: () => void;
    const sinchCalled = new Promise<void>((done) => {
      sinchGotIt = done;
    });
    nock(FAKE_SINCH)
      .post(`/xms/v1/${TEST_PLAN}/batches`)
      .delay(300)
      .reply(201, (_uri, body) => sinchBatch({ ...(body as object) }))
      .on('request', () => sinchGotIt());

    socket.write(post('/send-sms', { to: '+15551234567', message: 'Hi' }));
    const answer = readResponse(socket);
    const closed = closedWith(socket);
    await sinchCalled;
    const stopped = service.stop();
    const during = await answer;
    await closed;
    await stopped;

    expect(before.headers.connection).toBe('keep-alive');
    expect(during.status, during.body).toBe(202);
    expect(during.headers.connection).toBe('close');
  });
});

describe('HTTP server settings', () => {
  it('When nothing is set, then the defaults suit a webhook receiver', () => {
    expect(testConfig().http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 800,
    });
  });

  it('When HTTP_REQUEST_TIMEOUT_MS is below HTTP_HEADERS_TIMEOUT_MS, then the config is refused naming it', () => {
    const result = loadConfig({
      ...TEST_ENV,
      HTTP_HEADERS_TIMEOUT_MS: '20000',
      HTTP_REQUEST_TIMEOUT_MS: '10000',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(/^HTTP_REQUEST_TIMEOUT_MS: /m);
  });
});
