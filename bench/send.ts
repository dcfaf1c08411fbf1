import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { LoadResult } from './load';
import { LOAD_CORE } from './pinning';
import { type Child, freePort, startNode } from './processes';
import { serviceVariant, type Variant } from './variants';

const TOKEN = 'bench-token';
export const SEND_TEXT = 'Your verification code is 482913';

/**
 * A distinct number per request that never ends in 9xx, the suffixes the emulator reads as scenarios
 * (delays, faults): request n skips every 900–999 block of the last three digits.
 */
export function numberFor(n: number): string {
  const digits = Math.floor(n / 900) * 1000 + (n % 900);
  return `+1555${String(digits % 10_000_000).padStart(7, '0')}`;
}

/** `count` single-recipient sends, one JSON per line, each to its own number. */
export function writeSendBodies(dir: string, count: number): string {
  const file = join(dir, 'sends.jsonl');
  const lines = Array.from({ length: count }, (_, n) =>
    JSON.stringify({ to: numberFor(n), message: SEND_TEXT }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The Sinch emulator, on the load generator's core: it is not what is measured. */
export async function startEmulator(): Promise<Child> {
  return startNode(
    'emulator',
    'bench/emulator-child.ts',
    { PORT: String(await freePort()), EMULATOR_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    { core: LOAD_CORE },
  );
}

/** Every 2xx must have left a `Sent` message, and no more messages than requests. */
function verifySends(path: string, load: LoadResult) {
  const sqlite = new SQLite(path, { readonly: true });
  const sent = (
    sqlite.prepare("select count(*) as n from messages where send_status = 'Sent'").get() as { n: number }
  ).n;
  const batches = (
    sqlite.prepare('select count(distinct batch_id) as n from messages where batch_id is not null').get() as {
      n: number;
    }
  ).n;
  sqlite.close();
  const problems: string[] = [];
  if (load.non2xx + load.errors > 0) problems.push(`${load.non2xx} non-2xx answers, ${load.errors} errors`);
  if (sent < load.okIncludingWarmup || sent > load.sent) {
    problems.push(`${sent} messages Sent for ${load.okIncludingWarmup} 2xx and ${load.sent} requests`);
  }
  if (batches !== sent) problems.push(`${batches} batches for ${sent} messages Sent`);
  return {
    verified: `${sent} Sent for ${load.okIncludingWarmup} 2xx, one batch each`,
    problems,
  };
}

/** The service sending through the emulator, with no delivery reports coming back during the run. */
export function sendVariant(opts: {
  key: string;
  name: string;
  entry: string;
  dir: string;
  logLevel: string;
  emulatorUrl: string;
  extraEnv?: Record<string, string>;
}): Promise<Variant> {
  return serviceVariant({
    ...opts,
    key: `send-${opts.key}`,
    extraEnv: () => ({ SINCH_API_BASE_URL: opts.emulatorUrl, ...opts.extraEnv }),
    verify: verifySends,
  });
}
