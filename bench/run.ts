// `npm run bench`: bare Express, the guide's app and the service side by side, pinned and alternated.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRevision, prepareLauncher, removeBuild, SERVICE } from './build';
import { hangingEventEnv, startHangingReceiver } from './hanging-receiver';
import { ingestBodies, ingestVariant } from './ingest';
import { readOptions } from './options';
import { canPin, placement } from './pinning';
import { killAll, REPO_ROOT, useNodeArgs } from './processes';
import { NORMAL_KEY, readmeSummary, renderReport } from './report';
import { runRounds, type Summary, summarize } from './rounds';
import { sendVariant, startEmulator, writeSendBodies } from './send';
import { plainApp, type RunResult, type Variant } from './variants';

const dir = mkdtempSync(join(tmpdir(), 'sms-bench-'));
/** The service as shipped but with SQLite synchronous = NORMAL (report.ts finds it by its key). */
const NORMAL = { key: NORMAL_KEY, name: 'our service, synchronous = NORMAL' };
const NORMAL_ENV = { SQLITE_SYNCHRONOUS: 'normal' };
let cleaned = false;
function cleanUp(): void {
  if (cleaned) return;
  cleaned = true;
  killAll();
  rmSync(dir, { recursive: true, force: true });
  removeBuild();
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and removing ${dir}`);
    process.exit(130);
  });
}

function progress(variant: Variant, r: RunResult, rep: number): void {
  const flag = r.problems.length > 0 ? `  PROBLEM: ${r.problems.join('; ')}` : '';
  console.error(
    `  round ${rep + 1} ${variant.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
      `${r.cpuUsPerRequest?.toFixed(0) ?? 'n/a'} µs CPU/req, RSS ${r.peakRssMb?.toFixed(0) ?? 'n/a'} MB${flag}`,
  );
}

/** Rewrites the README's performance paragraph (between its heading and the next one). */
function updateReadme(summary: string): void {
  const path = join(REPO_ROOT, 'README.md');
  const text = readFileSync(path, 'utf8');
  const next = text.replace(/(## Performance\n\n)[\s\S]*?(\n\n## )/, `$1${summary}$2`);
  if (next !== text) writeFileSync(path, next);
}

async function main(): Promise<void> {
  const opts = readOptions();
  const started = Date.now();
  const launcher = await prepareLauncher(opts.runner);
  useNodeArgs(launcher.args);
  const where = placement();
  if (!canPin()) console.error(`\n*** ${where} ***\n`);
  console.error(
    `benchmarks: ${where} ${opts.reps} rounds of ${opts.warmupS} s + ${opts.durationS} s per setup`,
  );
  const revisions = await Promise.all(opts.compare.map((rev) => buildRevision(rev)));
  const services = [
    { key: 'service', name: 'our service', entry: SERVICE },
    ...revisions.map(({ entry, commit }) => ({
      key: `rev-${commit}`,
      name: `our service @${commit}`,
      entry,
    })),
  ];
  const common = { dir, logLevel: opts.logLevel };
  const load = {
    path: '/webhooks/dlr',
    connections: opts.connections,
    warmupS: opts.warmupS,
    durationS: opts.durationS,
  };

  let summaries: Summary[] = [];
  let largeSummary: Summary | undefined;
  let seedMs: number | undefined;
  // Stopped by the process's exit with everything else: it only holds sockets.
  const hanging = opts.withEvents && !opts.skipIngest ? await startHangingReceiver() : undefined;
  if (!opts.skipIngest) {
    // Enough distinct reports for every request of one run, warm-up included.
    const small = ingestBodies(dir, opts.smallMessages, opts.smallMessages);
    const ingest: Variant[] = [
      plainApp('bare', 'bare Express 5', 'bench/bare-express.ts', dir),
      plainApp('guide', "the guide's app", 'bench/guide-app.ts', dir),
    ];
    for (const s of services)
      ingest.push((await ingestVariant({ ...s, ...common, plan: small.plan })).variant);
    if (!opts.skipNormal) {
      // The same service and rows with SQLite synchronous = NORMAL: what FULL (shipped) costs.
      const normal = await ingestVariant({
        ...services[0],
        ...NORMAL,
        ...common,
        plan: small.plan,
        extraEnv: () => NORMAL_ENV,
      } as Parameters<typeof ingestVariant>[0]);
      ingest.push(normal.variant);
    }
    if (hanging) {
      // The same service and rows, with an event endpoint whose receiver never answers (issue 14).
      const withEvents = await ingestVariant({
        ...services[0],
        key: 'service-events',
        name: 'our service, event endpoint hanging',
        ...common,
        plan: small.plan,
        extraEnv: () => hangingEventEnv(hanging.url),
        withOutbox: true,
      } as Parameters<typeof ingestVariant>[0]);
      ingest.push(withEvents.variant);
    }
    if (!opts.skipMillion) {
      console.error(`seeding ${opts.largeMessages} messages…`);
      const large = ingestBodies(dir, opts.largeMessages, opts.smallMessages);
      const seeded = await ingestVariant({
        ...services[0],
        key: 'service-large',
        name: `our service, ${opts.largeMessages.toLocaleString('en')} messages`,
        ...common,
        plan: large.plan,
      } as Parameters<typeof ingestVariant>[0]);
      seedMs = seeded.seedMs;
      ingest.push({ ...seeded.variant, bodiesFile: large.file });
    }
    console.error('callback ingest…');
    const ingestRuns = await runRounds(ingest, { ...load, bodiesFile: small.file }, opts.reps, progress);
    summaries = ingestRuns.map(summarize);
    largeSummary = opts.skipMillion ? undefined : summaries.pop();
    if (hanging) console.error(`  the hanging receiver took ${hanging.taken()} event deliveries in all`);
  }
  await hanging?.stop();

  let send: Summary[] = [];
  if (!opts.skipSend) {
    console.error('sends…');
    const emulator = await startEmulator();
    try {
      const bodiesFile = writeSendBodies(dir, 400_000);
      const variants: Variant[] = [];
      for (const s of services)
        variants.push(await sendVariant({ ...s, ...common, emulatorUrl: emulator.url }));
      if (!opts.skipNormal) {
        const base = { ...services[0], ...NORMAL, ...common, emulatorUrl: emulator.url };
        variants.push(
          await sendVariant({ ...base, extraEnv: NORMAL_ENV } as Parameters<typeof sendVariant>[0]),
        );
      }
      const runs = await runRounds(variants, { ...load, path: '/send-sms', bodiesFile }, opts.reps, progress);
      send = runs.map(summarize);
    } finally {
      await emulator.stop();
    }
  }

  const report = {
    opts,
    runner: launcher.label,
    placement: where,
    ingest: summaries,
    large: largeSummary,
    send,
    seedMs,
    totalS: (Date.now() - started) / 1000,
  };
  const markdown = renderReport(report);
  console.log(`\n${markdown}`);
  writeFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), markdown);
  const summary = readmeSummary(report);
  if (summary) updateReadme(summary);
  // A benchmark whose requests failed is worthless: say so in the exit code too. A missed target is not a failure.
  if ([...summaries, ...(largeSummary ? [largeSummary] : []), ...send].some((s) => s.problems.length > 0)) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
