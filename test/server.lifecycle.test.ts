import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, type OnTestFinishedHandler, vi } from 'vitest';

/** The test's own hook: in a concurrent describe the global one may belong to another test. */
type Finally = (fn: OnTestFinishedHandler) => void;

import { CHILD_PROCESS_TEST_TIMEOUT_MS, serverCommand } from './helpers/process';

const root = resolve(import.meta.dirname, '..');

/**
 * A stand-in for Sinch over real HTTP that answers a batch when told: `answer(ms)` is Sinch taking that
 * much longer (the latency under test, as nock's delay). `reached` when a batch arrives.
 */
function heldSinch(): Promise<{
  server: Server;
  url: string;
  reached: Promise<void>;
  answer: (afterMs: number) => void;
}> {
  let reachedNow = () => {};
  const reached = new Promise<void>((resolve) => {
    reachedNow = resolve;
  });
  let answerNow = () => {};
  const answered = new Promise<void>((resolve) => {
    answerNow = resolve;
  });
  const server = createServer((req, res) => {
    reachedNow();
    req.resume();
    req.on('end', () => {
      void answered.then(() => {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: '01JSLOW0000000000000000000', to: ['15551234567'] }));
      });
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        reached,
        answer: (afterMs) => void setTimeout(answerNow, afterMs),
      }),
    ),
  );
}

function startService(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const [command, args] = serverCommand();
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'sms-life-')), 'sms.sqlite')}`,
      ...env,
    },
  });
  let output = '';
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/server listening on http:\/\/localhost:(\d+)/);
      if (match) done({ child, port: Number(match[1]), output: () => output });
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', () => fail(new Error(`service exited early:\n${output}`)));
  });
}

/**
 * Starts the service, sends, SIGTERMs once the send is with Sinch, and lets Sinch answer `answerAfterMs`
 * after the service has logged that it is shutting down (so the send is in flight across the signal).
 */
async function sigtermDuringSend(
  onTestFinished: Finally,
  answerAfterMs: number,
  env: Record<string, string> = {},
) {
  const sinch = await heldSinch();
  onTestFinished(() => void sinch.server.close());
  const service = await startService({
    SINCH_SERVICE_PLAN_ID: 'plan',
    SINCH_API_TOKEN: 'test-token-not-real',
    SINCH_NUMBER: '+15550001111',
    SINCH_API_BASE_URL: sinch.url,
    ...env,
  });
  onTestFinished(() => void service.child.kill('SIGKILL'));

  const inFlight = fetch(`http://127.0.0.1:${service.port}/send-sms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ to: '+15551234567', message: 'Hello' }),
  });
  // SIGTERM once the send is with Sinch, so it is in flight for sure.
  await sinch.reached;
  const exited = new Promise<number | null>((done) => service.child.on('exit', (code) => done(code)));
  service.child.kill('SIGTERM');
  await vi.waitFor(() => expect(service.output()).toContain('shutting down'), {
    timeout: 10_000,
    interval: 20,
  });
  const signalledAt = Date.now();
  sinch.answer(answerAfterMs);
  const res = await inFlight;
  return { res, exitCode: await exited, output: service.output, answeredAfterMs: Date.now() - signalledAt };
}

// Concurrent: each test has its own child process, Sinch stand-in and database, and the one about a
// ten-second send would otherwise hold the file for all of its wait.
describe('graceful shutdown', { timeout: CHILD_PROCESS_TEST_TIMEOUT_MS, concurrent: true }, () => {
  it('When SIGTERM arrives while a send is in flight, then the send still gets its 202 and the process exits 0', async ({
    onTestFinished,
  }) => {
    const { res, exitCode, output } = await sigtermDuringSend(onTestFinished, 0);

    expect(res.status).toBe(202);
    expect(exitCode).toBe(0);
    expect(output()).toContain('shut down cleanly');
  });

  it('When SIGTERM arrives during a send slower than ten seconds, then the send still gets its 202 and the process exits 0', async ({
    onTestFinished,
  }) => {
    // Sinch answers 10.5 s after the service began shutting down: the test is about that much time passing.
    const { res, exitCode, answeredAfterMs } = await sigtermDuringSend(onTestFinished, 10_500, {
      SINCH_TIMEOUT_MS: '20000',
    });

    expect(answeredAfterMs).toBeGreaterThan(10_000);
    expect(res.status).toBe(202);
    expect(exitCode).toBe(0);
    // Sinch answers after 10.5 s, on top of the child process starting.
  }, 40_000);

  it('When SIGTERM arrives in the middle of a load of callbacks, then every callback answered 200 is stored', async ({
    onTestFinished,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-sigterm-'));
    const file = join(dir, 'sms.sqlite');
    const service = await startService({
      SINCH_SERVICE_PLAN_ID: 'plan',
      SINCH_API_TOKEN: 'test-token-not-real',
      SINCH_NUMBER: '+15550001111',
      DATABASE_URL: `sqlite:${file}`,
    });
    onTestFinished(() => void service.child.kill('SIGKILL'));
    const exited = new Promise<number | null>((done) => service.child.on('exit', (code) => done(code)));

    const answered: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 400) {
        const batchId = `01JLOAD${String(next++).padStart(19, '0')}`;
        if (next === 60) service.child.kill('SIGTERM');
        try {
          const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/dlr`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              type: 'recipient_delivery_report_sms',
              batch_id: batchId,
              recipient: '15551234567',
              status: 'Delivered',
              code: 0,
              at: new Date().toISOString(),
            }),
          });
          expect(res.status).toBeLessThan(500);
          if (res.status === 200) answered.push(batchId);
        } catch {
          return; // The listener is gone: refused connections are not answers, and Sinch would retry them.
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));

    expect(await exited).toBe(0);
    expect(answered.length).toBeGreaterThan(10);
    const db = new Database(file, { readonly: true });
    const stored = new Set(
      (db.prepare('select batch_id from callbacks').all() as Array<{ batch_id: string }>).map(
        (r) => r.batch_id,
      ),
    );
    db.close();
    expect(answered.filter((id) => !stored.has(id))).toEqual([]);
  });
});
