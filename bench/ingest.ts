import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { autocannonLoad, type LoadResult } from './load';
import type { BenchOptions } from './options';
import { freePort, startNode } from './processes';
import { batchIdFor, messageIdFor, msisdnFor, type SeedPlan, seedDatabase, seedPlan } from './seed';
import { serviceEnv } from './service-env';

export type ScenarioResult = LoadResult & {
  name: string;
  peakRssMb: number | undefined;
  /** What was checked after the run, in words. */
  verified: string;
  /** Anything that makes the figures doubtful; empty when the run is sound. */
  problems: string[];
};

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A step coprime with the count: request n hits message (n·step mod count), distinct and spread out. */
function strideFor(count: number): number {
  let step = Math.floor(count * 0.618) | 1;
  while (gcd(step, count) !== 1) step += 2;
  return step;
}

/** Request n: a `Delivered` report for a distinct seeded message, shaped like the ones Sinch sends. */
export function reportBodies(plan: SeedPlan): (n: number) => string {
  const step = strideFor(plan.count);
  return (n) => {
    const i = (n * step) % plan.count;
    const now = Date.now();
    return JSON.stringify({
      at: new Date(now).toISOString(),
      batch_id: batchIdFor(plan, i),
      client_reference: messageIdFor(plan, i),
      code: 0,
      operator_status_at: `${new Date(now - 40_000).toISOString().slice(0, 19)}Z`,
      recipient: msisdnFor(i),
      status: 'Delivered',
      type: 'recipient_delivery_report_sms',
    });
  };
}

/** The bare Express app, loaded exactly like the service. */
export async function runBare(opts: BenchOptions): Promise<ScenarioResult> {
  const bare = await startNode('bare express', 'bench/bare-express.ts', { PORT: String(await freePort()) });
  try {
    const load = await autocannonLoad({
      ...opts,
      url: bare.url,
      path: '/webhooks/dlr',
      body: reportBodies(seedPlan(opts.smallMessages)),
    });
    const problems = load.non2xx + load.errors > 0 ? [`${load.non2xx} non-2xx, ${load.errors} errors`] : [];
    return {
      name: 'bare Express 5',
      ...load,
      peakRssMb: bare.peakRssMb(),
      verified: 'status codes',
      problems,
    };
  } finally {
    await bare.stop();
  }
}

/** Seeds `count` messages, starts the service on them, posts reports, then checks every one was applied. */
export async function runIngest(opts: BenchOptions, dir: string, count: number) {
  const path = join(dir, `ingest-${count}.sqlite`);
  const plan = seedPlan(count);
  const seedMs = await seedDatabase(path, plan);
  const service = await startNode(
    'service',
    'src/server.ts',
    serviceEnv({ port: await freePort(), databasePath: path, logLevel: opts.logLevel }),
  );
  let load: LoadResult;
  let peakRssMb: number | undefined;
  try {
    load = await autocannonLoad({
      ...opts,
      url: service.url,
      path: '/webhooks/dlr',
      body: reportBodies(plan),
    });
    peakRssMb = service.peakRssMb();
  } finally {
    await service.stop();
  }
  const result: ScenarioResult = {
    name: `callback ingest, ${count.toLocaleString('en')} messages`,
    ...load,
    peakRssMb,
    ...verifyIngest(path, load, count),
  };
  return { result, seedMs };
}

/** A callback row per 2xx answer, each applied to its recipient: else the run measured something else. */
function verifyIngest(path: string, load: LoadResult, count: number) {
  const sqlite = new SQLite(path, { readonly: true });
  const rows = sqlite
    .prepare('select outcome, count(*) as n from callbacks group by outcome')
    .all() as Array<{
    outcome: string;
    n: number;
  }>;
  const delivered = sqlite
    .prepare("select count(*) as n from recipients where status = 'Delivered'")
    .get() as {
    n: number;
  };
  sqlite.close();
  const total = rows.reduce((sum, row) => sum + row.n, 0);
  const applied = rows.find((row) => row.outcome === 'applied')?.n ?? 0;
  const problems: string[] = [];
  if (load.non2xx + load.errors > 0) problems.push(`${load.non2xx} non-2xx answers, ${load.errors} errors`);
  // Requests in flight when the load stopped are stored but never counted: stored may exceed the 2xx.
  if (total < load.okIncludingWarmup || total > load.sent) {
    problems.push(`${total} callbacks stored for ${load.okIncludingWarmup} 2xx and ${load.sent} sent`);
  }
  if (applied !== total) {
    const outcomes = rows.map((row) => `${row.outcome} ${row.n}`).join(', ');
    const why = load.sent > count ? ` (ran out of distinct messages: raise --small)` : '';
    problems.push(`not all applied: ${outcomes}${why}`);
  }
  const verified =
    `${total} callbacks stored for ${load.okIncludingWarmup} 2xx (${total - load.okIncludingWarmup} answered ` +
    `after the load stopped), ${applied} applied, ${delivered.n} recipients Delivered`;
  return { verified, problems };
}
