import { expect, onTestFinished, vi } from 'vitest';
import type { Config } from '../../src/config';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.server';
import { createLogger } from '../../src/logger';
import type { MessageView } from '../../src/messages/messages.service';
import { type RunningService, startService } from '../../src/service';
import { expectNoSecretsLogged, LogCapture, testConfig } from '../helpers/app';
import { contractProblems } from '../helpers/contract';
import { createTestDatabase, type DbKind, type TestDatabase } from '../helpers/databases';
import { reservePort } from '../helpers/ports';

export const E2E_TOKEN = 'e2e-emulator-token';

export type Pair = {
  emulator: Emulator;
  service: RunningService;
  database: TestDatabase;
  config: Config;
  logs: LogCapture;
  /** Calls the service over real HTTP. */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Polls GET /messages/:id until `done` holds, or fails with the last view. */
  waitForMessage(id: string, done: (view: MessageView) => boolean, timeoutMs?: number): Promise<MessageView>;
  /**
   * Waits until the emulator has nothing more to do (no step or retry timer, no callback unanswered, no
   * held report): every callback it will ever send has been answered by the service. A "nothing more
   * came" assertion after it is proven, not merely not yet contradicted.
   */
  emulatorIdle(timeoutMs?: number): Promise<void>;
};

/**
 * The service and the emulator over real HTTP on loopback, wired to each other, on a fresh database.
 * Both stop when the test ends.
 */
export async function startPair(
  options: { db?: DbKind; config?: (c: Config) => Config; emulator?: Partial<EmulatorOptions> } = {},
): Promise<Pair> {
  const emulator = createEmulator({
    token: E2E_TOKEN,
    callbackDelayMs: 20,
    retryBaseMs: 50,
    slowReportMs: 400,
    logger: createLogger('silent'),
    ...options.emulator,
  });
  const { url: emulatorUrl } = await emulator.start();

  const database = await createTestDatabase(options.db ?? 'sqlite');
  const logs = new LogCapture();
  const port = await reservePort();
  const serviceUrl = `http://127.0.0.1:${port}`;
  const base = testConfig(
    {
      port,
      host: '127.0.0.1',
      publicBaseUrl: serviceUrl,
      databaseUrl: database.url,
      rateLimitSendPerMinute: 0,
    },
    { baseUrl: emulatorUrl, apiToken: E2E_TOKEN, servicePlanId: 'e2e-plan', timeoutMs: 1_000 },
  );
  const config = options.config ? options.config(base) : base;
  let service: RunningService;
  try {
    service = await startService(config, createLogger('debug', logs));
  } catch (error) {
    await emulator.stop();
    await database.drop();
    throw error;
  }
  expectNoSecretsLogged(config, logs);

  onTestFinished(async () => {
    await emulator.stop();
    await service.stop().catch(() => {});
    await database.drop();
  });

  // Every answer the end-to-end tests get is checked against openapi.json too.
  const drift: string[] = [];
  onTestFinished(() => {
    expect(drift, 'responses that differ from openapi.json').toEqual([]);
  });
  const call: Pair['call'] = async (method, path, body) => {
    const res = await fetch(`${serviceUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    drift.push(
      ...contractProblems({
        method,
        path: path.split('?')[0] ?? path,
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        body: text,
      }),
    );
    const json = res.headers.get('content-type')?.includes('application/json');
    return { status: res.status, body: json ? JSON.parse(text) : text };
  };

  const waitForMessage: Pair['waitForMessage'] = async (id, done, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const res = await call('GET', `/messages/${id}`);
      last = res.body;
      if (res.status === 200 && done(res.body)) return res.body;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`message ${id} did not reach the expected state; last view: ${JSON.stringify(last)}`);
  };

  const emulatorIdle: Pair['emulatorIdle'] = async (timeoutMs = 5_000) => {
    await vi.waitFor(
      () => {
        if (!emulator.state.idle())
          throw new Error(`emulator still busy: ${JSON.stringify(emulator.state.snapshot().pending)}`);
      },
      { timeout: timeoutMs, interval: 10 },
    );
  };

  return { emulator, service, database, config, logs, call, waitForMessage, emulatorIdle };
}
