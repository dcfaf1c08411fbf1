import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseEmulatorEnv, startEmulatorFromEnv } from '../../src/emulator/emulator.launcher';
import { createLogger } from '../../src/logger';

describe('emulator launcher', () => {
  it('When no variables are set, then the documented defaults apply', () => {
    expect(parseEmulatorEnv({})).toMatchObject({
      EMULATOR_PORT: 3901,
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_TOKEN: 'sandbox-token',
    });
  });

  it('When a variable is malformed, then it throws naming it', () => {
    expect(() => parseEmulatorEnv({ EMULATOR_PORT: 'abc', EMULATOR_CALLBACK_URL: 'nope' })).toThrow(
      /EMULATOR_PORT.*EMULATOR_CALLBACK_URL/,
    );
  });

  it('When started from env, then it serves on loopback and logs what the service needs', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const running = await startEmulatorFromEnv(
      { EMULATOR_PORT: '0', EMULATOR_TOKEN: 'tok', EMULATOR_CALLBACK_DELAY_MS: '10' },
      createLogger('info', sink),
    );
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(running.serviceEnv).toMatchObject({ SINCH_API_BASE_URL: running.url, SINCH_API_TOKEN: 'tok' });
      const ready = lines.find((l) => l.msg === 'Sinch SMS emulator ready');
      expect(ready?.serviceEnv).toMatchObject({ SINCH_API_TOKEN: 'tok' });
      expect(lines.some((l) => Array.isArray(l.scenarios))).toBe(true);
      const res = await fetch(`${running.url}/_emulator/scenarios`);
      const { scenarios } = (await res.json()) as { scenarios: unknown[] };
      expect(scenarios[0]).toMatchObject({ suffix: '*', name: 'delivered' });
    } finally {
      await running.emulator.stop();
    }
  });
});
