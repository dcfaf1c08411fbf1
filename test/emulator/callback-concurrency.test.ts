import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { createEmulator } from '../../src/emulator/emulator.server';
import { createLogger } from '../../src/logger';
import { PLAN, TOKEN, waitFor } from './emulator.harness';

it('When a batch to 60 numbers reports at once, then at most callbackConcurrency callbacks are open at a time and every one arrives', async () => {
  // Holds every callback until released: the ones open at once are then exactly the ones sent.
  const held: Array<() => void> = [];
  let holding = true;
  let most = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!holding) return res.end();
      held.push(() => res.end());
      most = Math.max(most, held.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`;
  const emulator = createEmulator({
    token: TOKEN,
    defaultCallbackUrl: url,
    callbackDelayMs: 20,
    retryBaseMs: 50,
    callbackConcurrency: 5,
    logger: createLogger('silent'),
  });
  const { url: base } = await emulator.start(0);
  onTestFinished(async () => {
    await emulator.stop();
    server.closeAllConnections();
    server.close();
  });

  const to = Array.from({ length: 60 }, (_, i) => `+155512300${String(i).padStart(2, '0')}`);
  const sent = await fetch(`${base}/xms/v1/${PLAN}/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to, body: 'hi', delivery_report: 'per_recipient_final' }),
  });
  expect(sent.status).toBe(201);
  // Every report is queued (no step timer left) and the receiver holds five.
  await waitFor(
    () =>
      emulator.state.callbacks().length === 60 &&
      emulator.state.snapshot().pending.timers === 0 &&
      held.length === 5,
    9_000,
  );

  expect(emulator.state.callbacks().filter((c) => c.attempts > 0)).toHaveLength(5);
  holding = false;
  for (const answer of held.splice(0)) answer();
  await waitFor(() => emulator.state.callbacks().filter((c) => c.state === 'delivered').length === 60, 9_000);
  expect(emulator.state.callbacks().every((c) => c.attempts === 1)).toBe(true);
  expect(most).toBe(5);
});
