import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, ROOT, serverCommand } from './helpers/process';

/** A port free right now (the sandbox must know its port before it starts, for the callback URL). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

const BANNER_END = /Stop with Ctrl\+C\.\n=+\n\n/;

/** `npm run sandbox` as a person runs it; resolves once the banner is out, with the output so far. */
async function startSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-sandbox-'));
  const [command, args] = serverCommand('src/sandbox/main.ts');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(await freePort()),
      EMULATOR_PORT: String(await freePort()),
      SANDBOX_DATABASE_URL: `sqlite:${join(dir, 'sandbox.sqlite')}`,
    },
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (BANNER_END.test(output)) done();
    });
    child.once('exit', () => fail(new Error(`sandbox exited before its banner:\n${output}`)));
  });
  return { child, output: () => output };
}

describe('npm run sandbox', { timeout: CHILD_PROCESS_TEST_TIMEOUT_MS }, () => {
  it('When it starts, then the banner and its curl are the last thing printed until it is stopped', async () => {
    const { child, output } = await startSandbox();

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');

    expect(code, output()).toBe(0);
    const text = output();
    const afterBanner = text.slice(text.search(BANNER_END)).replace(BANNER_END, '');
    // The first thing after the banner is the line that answers our SIGTERM.
    expect(afterBanner.split('\n')[0]).toContain('shutting down');
    expect(text.slice(0, text.search(BANNER_END))).toContain('curl -s -X POST');
  });

  it('When it starts, then no log line holds the emulator token or the webhook secret', async () => {
    const { child, output } = await startSandbox();
    child.kill('SIGTERM');
    await once(child, 'exit');

    const text = output();
    // The token and the secret are `sandbox-` and hex; the API key (`sandbox-key-…`) is for the person.
    expect(text.match(/\bsandbox-[0-9a-f]{16,}\b/g)).toBeNull();
    expect(text).toContain('"SINCH_API_TOKEN":"[redacted]"');
  });
});
