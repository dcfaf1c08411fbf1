import { createServer } from 'node:net';

/**
 * Ports for a server that has to be told its port before it binds it: a child process, or a service
 * whose callback URL the emulator gets up front. A port from `listen(0)` is in the kernel's ephemeral
 * range (32768–60999 here), so between the probe and the bind it can go to any other socket: an
 * outgoing connection, or another test file's `listen(0)` (CI once failed with EADDRINUSE that way).
 * These come from below that range, where the kernel never hands ports out by itself, from a block of
 * 1,000 per vitest worker so that files running at once never share one, and each is probed free first.
 */
const FIRST = 20_000;
const BLOCK = 1_000;
const worker = Math.max(0, Number(process.env.VITEST_POOL_ID ?? '1') - 1) % 12;
let next = 0;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port of this worker's block that nobody listens on now, and that no other test of this run is given. */
export async function reservePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = FIRST + worker * BLOCK + (next++ % BLOCK);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${FIRST + worker * BLOCK}–${FIRST + (worker + 1) * BLOCK - 1}`);
}
