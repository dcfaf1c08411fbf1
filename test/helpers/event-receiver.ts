import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { onTestFinished } from 'vitest';
import type { Config } from '../../src/config';

/** A Standard Webhooks secret for tests: obviously not a real one. */
export const TEST_EVENT_SECRET = `whsec_${Buffer.from('test-event-secret-not-real-0000').toString('base64')}`;

/** Events on, to loopback receivers, with short retries: what the tests of delivery need. */
export const withEvents =
  (urls: string[], over: Partial<Config['events']> = {}) =>
  (c: Config): Config => ({
    ...c,
    events: {
      ...c.events,
      urls,
      secrets: [TEST_EVENT_SECRET],
      urlRules: { allowHttp: true, allowPrivate: true },
      retryBaseMs: 20,
      pollMs: 20,
      timeoutMs: 1_000,
      ...over,
    },
  });

/** Each event as its type, with the status where it carries one: `message.status_changed Delivered`. */
export const statusesOf = (events: Array<{ type: string; body: { data: { status?: string } } }>) =>
  events.map((e) => (e.body.data.status ? `${e.type} ${e.body.data.status}` : e.type));

export type Received = {
  id: string;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
  body: any;
  status: number;
  /** Whether standardwebhooks' own Webhook.verify accepted it. */
  verified: boolean;
  /** The body and headers as they came, to verify again with another secret. */
  raw: string;
  headers: Record<string, string>;
};

/** What the receiver answers: a status, or `hang` (never answers). */
export type Responder = (request: { id: string; type: string; n: number }) => number | 'hang';

/**
 * An application's event endpoint on loopback: it checks every event with the standardwebhooks
 * package (not our code) and keeps what came, in arrival order.
 */
export async function startEventReceiver(options: { secret?: string; respond?: Responder } = {}): Promise<{
  url: string;
  received: Received[];
  /** Events answered 2xx, in order. */
  accepted(): Received[];
  respond: { current: Responder };
  /** Verify with another secret from now on (one shown by POST /event-endpoints). */
  useSecret(secret: string): void;
  /** Until `done` holds of the events answered 2xx, each id once (the first), in order. */
  waitFor(done: (accepted: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  /** Until `n` requests came, whatever was answered. */
  waitForAny(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}> {
  let webhook = new Webhook(options.secret ?? TEST_EVENT_SECRET);
  const received: Received[] = [];
  const respond = { current: options.respond ?? (() => 200) };
  const hanging: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        webhook.verify(raw, req.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const body = JSON.parse(raw);
      const answer = respond.current({ id: body.id, type: body.type, n: received.length });
      received.push({
        id: body.id,
        type: body.type,
        body,
        status: answer === 'hang' ? 0 : answer,
        verified,
        raw,
        headers: req.headers as Record<string, string>,
      });
      if (answer === 'hang') {
        hanging.push(req);
        return;
      }
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const accepted = () => received.filter((r) => r.status >= 200 && r.status < 300);
  // As an application that de-duplicates on webhook-id sees them: a delivery whose lease ran out on a
  // loaded machine may come twice (docs/events.md); the raw count is in `received`.
  const acceptedOnce = () => accepted().filter((r, i, all) => all.findIndex((o) => o.id === r.id) === i);
  const close = () =>
    new Promise<void>((resolve) => {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  onTestFinished(close);
  return {
    url,
    received,
    accepted,
    respond,
    close,
    useSecret: (secret) => {
      webhook = new Webhook(secret);
    },
    async waitForAny(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} requests, not ${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async waitFor(done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (done(acceptedOnce())) return acceptedOnce();
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(
        `receiver did not get the expected events; got ${JSON.stringify(received.map((r) => [r.type, r.status]))}`,
      );
    },
  };
}
