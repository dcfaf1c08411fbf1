import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { ScenarioResult } from './ingest';
import { autocannonLoad, axiosLoad } from './load';
import type { BenchOptions } from './options';
import { freePort, startNode } from './processes';
import { serviceEnv } from './service-env';

const TOKEN = 'bench-token';
const PLAN = 'bench-plan';
const TEXT = 'Your verification code is 482913';

/**
 * A distinct number per request that never ends in 9xx, the suffixes the emulator reads as scenarios
 * (delays, faults): request n skips every 900–999 block of the last three digits.
 */
export function numberFor(n: number): string {
  const digits = Math.floor(n / 900) * 1000 + (n % 900);
  return `+1555${String(digits % 10_000_000).padStart(7, '0')}`;
}

async function startEmulator() {
  return startNode('emulator', 'bench/emulator-child.ts', {
    PORT: String(await freePort()),
    EMULATOR_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
  });
}

const problemsOf = (non2xx: number, errors: number) =>
  non2xx + errors > 0 ? [`${non2xx} non-2xx answers, ${errors} errors`] : [];

/** The floor: axios straight at the emulator, as the service would call it, with no service between. */
export async function runSendDirect(opts: BenchOptions): Promise<ScenarioResult> {
  const emulator = await startEmulator();
  try {
    const load = await axiosLoad({
      ...opts,
      url: emulator.url,
      path: `/xms/v1/${PLAN}/batches`,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: (n) =>
        JSON.stringify({
          from: '+15550000000',
          to: [numberFor(n)],
          body: TEXT,
          delivery_report: 'none',
          client_reference: `bench-${n}`,
        }),
    });
    return {
      name: 'emulator direct (axios)',
      ...load,
      // This row's memory is the emulator's, not the service's.
      peakRssMb: emulator.peakRssMb(),
      verified: 'status codes (201)',
      problems: problemsOf(load.non2xx, load.errors),
    };
  } finally {
    await emulator.stop();
  }
}

/** POST /send-sms through the service to a fresh emulator; every 202 must leave a `Sent` message. */
export async function runSendService(opts: BenchOptions, dir: string): Promise<ScenarioResult> {
  const path = join(dir, 'send.sqlite');
  const emulator = await startEmulator();
  try {
    const env = serviceEnv({
      port: await freePort(),
      databasePath: path,
      logLevel: opts.logLevel,
      sinchBaseUrl: emulator.url,
    });
    const service = await startNode('service', 'src/server.ts', env);
    let load: Awaited<ReturnType<typeof autocannonLoad>>;
    let peakRssMb: number | undefined;
    try {
      load = await autocannonLoad({
        ...opts,
        url: service.url,
        path: '/send-sms',
        body: (n) => JSON.stringify({ to: numberFor(n), message: TEXT }),
      });
      peakRssMb = service.peakRssMb();
    } finally {
      await service.stop();
    }
    const sqlite = new SQLite(path, { readonly: true });
    const sent = (
      sqlite.prepare("select count(*) as n from messages where send_status = 'Sent'").get() as { n: number }
    ).n;
    sqlite.close();
    const problems = problemsOf(load.non2xx, load.errors);
    if (sent < load.okIncludingWarmup || sent > load.sent) {
      problems.push(`${sent} messages Sent for ${load.okIncludingWarmup} 2xx and ${load.sent} requests`);
    }
    return {
      name: 'POST /send-sms via service',
      ...load,
      peakRssMb,
      verified: `${sent} messages Sent for ${load.okIncludingWarmup} 2xx (the rest answered after the load stopped)`,
      problems,
    };
  } finally {
    await emulator.stop();
  }
}
