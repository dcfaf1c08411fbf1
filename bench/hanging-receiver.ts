import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An application's event endpoint that takes every request and never answers: the worst receiver for
 * the dispatcher (each delivery holds a slot until EVENT_TIMEOUT_MS, then is retried). Runs in the
 * bench's own process; reading a few requests costs it next to nothing.
 */
export async function startHangingReceiver(): Promise<{
  url: string;
  /** Requests taken so far. */
  taken(): number;
  stop(): Promise<void>;
}> {
  let taken = 0;
  const held = new Set<IncomingMessage>();
  const server = createServer((req) => {
    taken++;
    held.add(req);
    req.resume();
    req.once('close', () => held.delete(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    taken: () => taken,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const req of held) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The service's settings for events to that receiver, as an operator sets them (default timeout, 10 s). */
export function hangingEventEnv(url: string): Record<string, string> {
  return {
    EVENT_WEBHOOK_URLS: url,
    EVENT_WEBHOOK_SECRET: `whsec_${Buffer.from('bench-event-secret-not-a-real-one').toString('base64')}`,
    EVENT_ALLOW_HTTP: 'true',
    EVENT_ALLOW_PRIVATE_ADDRESSES: 'true',
  };
}
