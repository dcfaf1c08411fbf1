import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createEmulator } from '../../src/emulator/emulator.server';
import { createLogger } from '../../src/logger';
import { createTestDatabase, DB_KINDS } from '../helpers/databases';
import { startEventReceiver, TEST_EVENT_SECRET } from '../helpers/event-receiver';
import { reservePort } from '../helpers/ports';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, ROOT, serverCommand } from '../helpers/process';

const TOKEN = 'crash-emulator-token';

/** The service as `npm start` runs it, in its own process, so that it can be killed with SIGKILL. */
function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const [node, args] = serverCommand();
  const child = spawn(node, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (/server listening on/.test(output)) done(child);
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', () => fail(new Error(`service exited early:\n${output}`)));
  });
}

const PER_MESSAGE = ['message.sent', 'message.status_changed', 'message.status_changed', 'message.completed'];

describe.each(DB_KINDS)('events across a SIGKILL, on %s', (kind) => {
  it('When the service is killed with SIGKILL while its endpoint is down and started again with it up, then every event arrives once, in order per message', {
    timeout: CHILD_PROCESS_TEST_TIMEOUT_MS * 2,
  }, async () => {
    // Down: answers 503 until the kill; at the kill one delivery hangs, so a lease is held when it dies.
    const receiver = await startEventReceiver({ respond: () => 503 });
    const emulator = createEmulator({ token: TOKEN, callbackDelayMs: 20, logger: createLogger('silent') });
    const { url: emulatorUrl } = await emulator.start();
    const database = await createTestDatabase(kind);
    onTestFinished(async () => {
      await emulator.stop();
      await database.drop();
    });
    const port = await reservePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: base,
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      SINCH_SERVICE_PLAN_ID: 'crash-plan',
      SINCH_API_TOKEN: TOKEN,
      SINCH_NUMBER: '+15550001111',
      SINCH_API_BASE_URL: emulatorUrl,
      RECONCILE_INTERVAL_SECONDS: '0',
      EVENT_WEBHOOK_URLS: receiver.url,
      EVENT_WEBHOOK_SECRET: TEST_EVENT_SECRET,
      EVENT_ALLOW_HTTP: 'true',
      EVENT_ALLOW_PRIVATE_ADDRESSES: 'true',
      EVENT_RETRY_BASE_MS: '50',
      EVENT_POLL_MS: '50',
      EVENT_TIMEOUT_MS: '1000',
    };
    const first = await startChild(env);

    const ids: string[] = [];
    for (const to of ['+15551230001', '+15551230002', '+15551230003']) {
      const res = await fetch(`${base}/send-sms`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ to, message: 'Survive a kill' }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { messageId: string }).messageId);
    }
    // Every status is stored, so every event is in the outbox, none of it delivered.
    for (const id of ids) {
      await vi.waitUntil(
        async () =>
          ((await (await fetch(`${base}/messages/${id}`)).json()) as { status: string }).status ===
          'Delivered',
        { timeout: 10_000, interval: 25 },
      );
    }
    const refused = receiver.received.length;
    receiver.respond.current = () => 'hang';
    await receiver.waitForAny(refused + 1);
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(receiver.accepted()).toEqual([]);

    receiver.respond.current = () => 200;
    await startChild(env);
    const got = await receiver.waitFor((a) => a.length >= 12, 20_000);

    const unique = [...new Map(got.map((e) => [e.id, e])).values()];
    expect(unique).toHaveLength(12);
    // Nothing answered 2xx was lost mid-way, so nothing came twice either.
    expect(got).toHaveLength(12);
    expect(got.every((e) => e.verified)).toBe(true);
    for (const id of ids) {
      const mine = unique.filter((e) => e.body.data.messageId === id);
      expect(mine.map((e) => e.type)).toEqual(PER_MESSAGE);
      expect(mine.slice(1, 3).map((e) => e.body.data.status)).toEqual(['Dispatched', 'Delivered']);
    }
    const db = await database.open();
    try {
      const stored = await db.selectFrom('events').select('id').execute();
      expect(new Set(unique.map((e) => e.id))).toEqual(new Set(stored.map((r) => r.id)));
    } finally {
      await db.destroy();
    }
  });
});
