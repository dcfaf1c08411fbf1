import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { newId } from '../src/core/ids';
import { startDispatcher } from '../src/events/dispatcher';
import { emitEvent } from '../src/events/outbox.repository';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { testConfig } from './helpers/app';
import { openTestDatabase } from './helpers/databases';
import { TEST_EVENT_SECRET, withEvents } from './helpers/event-receiver';

const root = resolve(import.meta.dirname, '..');

/** The receiver example of the README, as a reader copies it: the js block of "Telling your app". */
function readmeReceiver(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Telling your app'));
  const block = /^```js\n([\s\S]*?)^```/m.exec(section);
  if (!block?.[1]) throw new Error('no js block under "## Telling your app" in README.md');
  return block[1];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs the example with node, next to this repository's node_modules; its stdout, as it comes. */
async function startExample(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  // Inside node_modules, so that its imports resolve as in a reader's project.
  const dir = mkdtempSync(join(root, 'node_modules', '.readme-receiver-'));
  writeFileSync(join(dir, 'receiver.mjs'), readmeReceiver());
  const child = spawn(process.execPath, [join(dir, 'receiver.mjs')], {
    env: { ...process.env, PORT: String(port), EVENT_WEBHOOK_SECRET: TEST_EVENT_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    out += chunk;
  });
  onTestFinished(() => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  // Up once it answers (a GET it has no route for: 404).
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`the README's receiver exited: ${out}`);
      await fetch(`http://127.0.0.1:${port}/`);
    },
    { timeout: 15_000, interval: 50 },
  );
  return { child, output: () => out };
}

describe("the README's event receiver", () => {
  it('When the dispatcher delivers a status event to the README example, then the example verifies it with standardwebhooks and prints it, and a forged one gets 400', async () => {
    const port = await freePort();
    const example = await startExample(port);
    const url = `http://127.0.0.1:${port}/sms-events`;

    const db = await openTestDatabase('sqlite');
    const dispatcher = startDispatcher({
      db,
      settings: withEvents([url])(testConfig()).events,
      log: createLogger('silent'),
      metrics: createMetrics({ processMetrics: false }),
    });
    onTestFinished(() => dispatcher.stop());
    const messageId = newId();
    const now = new Date().toISOString();
    await db.transaction().execute((trx) =>
      emitEvent(
        trx,
        'message.status_changed',
        {
          messageId,
          batchId: 'b-readme',
          clientReference: null,
          recipient: '+15551234567',
          status: 'Delivered',
          code: 0,
          at: now,
          operatorStatusAt: null,
          final: true,
        },
        now,
      ),
    );
    dispatcher.kick();
    await expect
      .poll(example.output, { timeout: 30_000, interval: 50 })
      .toContain(`message.status_changed ${messageId} Delivered`);
    // Its answer, as the dispatcher recorded it (just after the example printed the line, maybe).
    await expect
      .poll(
        async () =>
          (await db.selectFrom('event_attempts').select('status_code').execute()).map((r) => r.status_code),
        {
          timeout: 10_000,
          interval: 25,
        },
      )
      .toEqual([204]);

    const forged = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'evt_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': `v1,${Buffer.from('not the signature').toString('base64')}`,
      },
      body: JSON.stringify({ type: 'message.status_changed', data: { messageId: 'forged' } }),
    });
    expect(forged.status).toBe(400);
    expect(example.output()).not.toContain('forged');
  }, 60_000);
});
