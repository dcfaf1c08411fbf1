import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { LoadResult } from './load';
import { batchIdFor, messageIdFor, msisdnFor, type SeedPlan, seedDatabase, seedPlan } from './seed';
import { serviceVariant, type Variant } from './variants';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A step coprime with the count: request n hits message (n·step mod count), distinct and spread out. */
function strideFor(count: number): number {
  let step = Math.floor(count * 0.618) | 1;
  while (gcd(step, count) !== 1) step += 2;
  return step;
}

/**
 * One `Delivered` report per seeded message, shaped like the ones Sinch sends, one JSON per line, in
 * an order that spreads consecutive requests across the table. Times are those of the writing: a few
 * seconds old when posted, which nothing checks.
 */
export function writeReportBodies(plan: SeedPlan, file: string, limit = plan.count): void {
  const step = strideFor(plan.count);
  const now = Date.now();
  const at = new Date(now).toISOString();
  const operatorAt = `${new Date(now - 40_000).toISOString().slice(0, 19)}Z`;
  const lines: string[] = [];
  for (let n = 0; n < Math.min(limit, plan.count); n++) {
    const i = (n * step) % plan.count;
    lines.push(
      JSON.stringify({
        at,
        batch_id: batchIdFor(plan, i),
        client_reference: messageIdFor(plan, i),
        code: 0,
        operator_status_at: operatorAt,
        recipient: msisdnFor(i),
        status: 'Delivered',
        type: 'recipient_delivery_report_sms',
      }),
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** What the dispatcher made of the run's events: queued deliveries and attempts (a hanging receiver: timeouts). */
function outboxLine(sqlite: SQLite.Database): string {
  const count = (query: string) => (sqlite.prepare(query).get() as { n: number }).n;
  const events = count('select count(*) as n from events');
  const deliveries = count('select count(*) as n from event_deliveries');
  const attempts = count('select count(*) as n from event_attempts');
  return `; outbox: ${events} events, ${deliveries} deliveries queued, ${attempts} attempts made`;
}

/** A callback row per 2xx answer, each applied to its recipient: else the run measured something else. */
export function verifyIngest(path: string, load: LoadResult, count: number, withOutbox = false) {
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
  const outbox = withOutbox ? outboxLine(sqlite) : '';
  sqlite.close();
  const total = rows.reduce((sum, row) => sum + row.n, 0);
  const applied = rows.find((row) => row.outcome === 'applied')?.n ?? 0;
  const problems: string[] = [];
  if (load.non2xx + load.errors > 0) problems.push(`${load.non2xx} non-2xx answers, ${load.errors} errors`);
  // Requests in flight when the load stopped are stored but never counted: stored may exceed the 2xx.
  if (total < load.okIncludingWarmup || total > load.sent) {
    problems.push(`${total} callbacks stored for ${load.okIncludingWarmup} 2xx and ${load.sent} sent`);
  }
  if (applied !== total || delivered.n !== applied) {
    const outcomes = rows.map((row) => `${row.outcome} ${row.n}`).join(', ');
    const why = load.sent > count ? ' (ran out of distinct messages: raise --small)' : '';
    problems.push(`not all applied: ${outcomes}, ${delivered.n} Delivered${why}`);
  }
  const verified =
    `${total} stored for ${load.okIncludingWarmup} 2xx (+${total - load.okIncludingWarmup} in flight at ` +
    `the end), ${applied} applied, ${delivered.n} Delivered${outbox}`;
  return { verified, problems };
}

/** The service taking callbacks for `count` seeded `Sent` messages; every run starts from the same rows. */
export async function ingestVariant(opts: {
  key: string;
  name: string;
  entry: string;
  dir: string;
  logLevel: string;
  plan: SeedPlan;
  extraEnv?: (rep: number) => Record<string, string>;
  /** Adds what the outbox holds after the run to the check's line. */
  withOutbox?: boolean;
}): Promise<{ variant: Variant; seedMs: number }> {
  const { plan } = opts;
  let seedMs = 0;
  const variant = await serviceVariant({
    ...opts,
    seed: (path) => {
      seedMs = seedDatabase(path, plan);
    },
    verify: (path, load) => verifyIngest(path, load, plan.count, opts.withOutbox),
  });
  return { variant, seedMs };
}

/** Bodies for every ingest variant of a run: the seed plan is a pure function of the count and start time. */
export function ingestBodies(dir: string, count: number, limit: number): { file: string; plan: SeedPlan } {
  const plan = seedPlan(count);
  const file = join(dir, `reports-${count}.jsonl`);
  writeReportBodies(plan, file, limit);
  return { file, plan };
}
