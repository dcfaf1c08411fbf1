import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { reservePort } from './helpers/ports';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, ROOT, serverCommand } from './helpers/process';

const BANNER_END = /Stop with Ctrl\+C\.\n=+\n\n/;

/** `npm run sandbox` as a person runs it; resolves once the banner is out, with the output so far. */
async function startSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-sandbox-'));
  const [command, args] = serverCommand('src/sandbox/main.ts');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(await reservePort()),
      EMULATOR_PORT: String(await reservePort()),
      SANDBOX_APP_PORT: String(await reservePort()),
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

/** Until the output so far matches `pattern` (the sandbox's own lines come as they happen). */
async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the sandbox's output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
    expect(text).toMatch(/Your app: +http:\/\/127\.0\.0\.1:\d+\/sms-events/);
  });

  it('When the printed curl is sent, then "your app" prints message.sent then status_changed Delivered, each verified', async () => {
    const { child, output } = await startSandbox();
    const banner = output();
    const serviceUrl = banner.match(/Service: +(http:\/\/\S+)/)?.[1];
    const apiKey = banner.match(/API key: (sandbox-key-[0-9a-f]+)/)?.[1];

    const sent = await fetch(`${serviceUrl}/send-sms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ to: '+15551234567', message: 'Hello from the sandbox' }),
    });
    expect(sent.status).toBe(202);
    const { messageId } = (await sent.json()) as { messageId: string };
    const msg = `\\(msg ${messageId.slice(0, 8)}…\\)`;
    await waitForOutput(output, new RegExp(`your app ← message\\.completed ${msg}`));

    const lines = output()
      .slice(banner.length)
      .split('\n')
      .filter((line) => line.startsWith('your app'));
    expect(lines).toEqual([
      `your app ← message.sent (msg ${messageId.slice(0, 8)}…)`,
      `your app ← message.status_changed Dispatched +15551234567 (msg ${messageId.slice(0, 8)}…)`,
      `your app ← message.status_changed Delivered +15551234567 (msg ${messageId.slice(0, 8)}…)`,
      `your app ← message.completed (msg ${messageId.slice(0, 8)}…)`,
    ]);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
  });

  it('When it starts, then no log line holds the emulator token, the webhook secret or the event secret', async () => {
    const { child, output } = await startSandbox();
    child.kill('SIGTERM');
    await once(child, 'exit');

    const text = output();
    // The token and the secret are `sandbox-` and hex; the API key (`sandbox-key-…`) is for the person.
    expect(text.match(/\bsandbox-[0-9a-f]{16,}\b/g)).toBeNull();
    expect(text).toContain('"SINCH_API_TOKEN":"[redacted]"');
    // Nor the secret that signs events to "your app".
    expect(text).not.toContain('whsec_');
  });
});
