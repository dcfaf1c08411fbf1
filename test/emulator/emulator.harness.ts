import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.server';
import { createLogger } from '../../src/logger';

export const TOKEN = 'emulator-test-token';
export const PLAN = 'test-plan';

export type ReceivedCallback = {
  rawBody: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** When the receiver got it (Date.now()). */
  receivedAt: number;
};

/** A real HTTP server that records callbacks; `respond` picks the status for the nth call (1-based). */
export type CallbackReceiver = {
  url: string;
  received: ReceivedCallback[];
  respond: (nth: number, callback: ReceivedCallback) => number;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<CallbackReceiver> {
  const app = express();
  const receiver = { received: [] as ReceivedCallback[], respond: () => 200 } as unknown as CallbackReceiver;
  app.post('/callbacks', express.raw({ type: () => true }), (req, res) => {
    const rawBody = (req.body as Buffer).toString('utf8');
    const callback = {
      rawBody,
      body: JSON.parse(rawBody),
      headers: req.headers as Record<string, string>,
      receivedAt: Date.now(),
    };
    receiver.received.push(callback);
    res.status(receiver.respond(receiver.received.length, callback)).end();
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export type Harness = {
  emulator: Emulator;
  receiver: CallbackReceiver;
  baseUrl: string;
  /** Calls `/xms/v1/{PLAN}{path}` with the token (unless `headers` overrides it). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  stop(): Promise<void>;
};

// Tests poke at arbitrary JSON fields; a loose type keeps them readable.
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type ApiResponse = { status: number; body: any; headers: Headers };

/** Emulator (port 0, fast timers) plus a receiver whose URL is the plan's default callback URL. */
export async function startHarness(options: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const receiver = await startReceiver();
  const emulator = createEmulator({
    token: TOKEN,
    defaultCallbackUrl: receiver.url,
    callbackDelayMs: 20,
    retryBaseMs: 50,
    slowReportMs: 300,
    logger: createLogger('silent'),
    ...options,
  });
  const { url } = await emulator.start(0);
  return {
    emulator,
    receiver,
    baseUrl: url,
    async api(method, path, body, headers) {
      const response = await fetch(`${url}/xms/v1/${PLAN}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        headers: response.headers,
      };
    },
    async stop() {
      await emulator.stop();
      await receiver.close();
    },
  };
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits until the emulator has nothing more to do unprompted (no timer, no unanswered callback, no held
 * report), so that a "nothing more came" assertion made after it is proven.
 */
export async function idle(h: Harness, timeoutMs = 3000): Promise<void> {
  await waitFor(() => h.emulator.state.idle(), timeoutMs);
}

/**
 * Waits until the emulator has nothing more to send for a batch: every recipient has taken its last
 * step (its final status, or Dispatched for a silent number) and no callback of the batch is still
 * pending. A "nothing more came" assertion made after it is proven, not merely not yet contradicted.
 * Not for the 912 scenario, whose late Dispatched follows the final status.
 */
export async function settled(h: Harness, batchId: string): Promise<void> {
  const stored = h.emulator.state.batches().find((b) => b.batch.id === batchId);
  if (!stored) throw new Error(`the emulator has no batch ${batchId}`);
  await waitFor(() => {
    const stepsDone = [...stored.recipients.values()].every(
      (r) => r.final || (r.scenario.pattern === 'silent' && r.status === 'Dispatched'),
    );
    const mode = stored.batch.delivery_report;
    const batchReportDone = (mode !== 'full' && mode !== 'summary') || stored.batchReportSent;
    const inFlight = h.emulator.state.callbacks().some((c) => c.batchId === batchId && c.state === 'pending');
    return stepsDone && batchReportDone && !inFlight;
  });
}

/** Callbacks the receiver got for one recipient, as `status/code` strings in arrival order. */
export function timeline(receiver: CallbackReceiver, recipient: string): string[] {
  return receiver.received
    .filter((c) => c.body.recipient === recipient)
    .map((c) => `${c.body.status}/${c.body.code}`);
}
