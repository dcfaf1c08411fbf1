// `npm run bench`: every scenario of issue 6 in one run, so that their figures can be compared.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareLauncher, removeBuild } from './build';
import { runBare, runIngest, type ScenarioResult } from './ingest';
import { readOptions } from './options';
import { killAll, REPO_ROOT, useNodeArgs } from './processes';
import { renderReport } from './report';
import { runSendDirect, runSendService } from './send';

const dir = mkdtempSync(join(tmpdir(), 'sms-bench-'));
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

function progress(r: ScenarioResult): void {
  const rss = r.peakRssMb === undefined ? 'n/a' : r.peakRssMb.toFixed(1);
  const flag = r.problems.length > 0 ? `  PROBLEM: ${r.problems.join('; ')}` : '';
  console.error(
    `  ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, RSS ${rss} MB${flag}`,
  );
}

async function step<T extends ScenarioResult>(label: string, run: () => Promise<T>): Promise<T> {
  console.error(`${label}…`);
  const result = await run();
  progress(result);
  return result;
}

async function main(): Promise<void> {
  const opts = readOptions();
  const started = Date.now();
  const launcher = await prepareLauncher(opts.runner);
  useNodeArgs(launcher.args);
  console.error(
    `benchmarks: ${opts.connections} connections, ${opts.warmupS} s warm-up + ${opts.durationS} s per run`,
  );

  const bare = await step('bare Express 5 app', () => runBare(opts));
  const small = await step(`callback ingest, ${opts.smallMessages} messages`, async () => {
    return (await runIngest(opts, dir, opts.smallMessages)).result;
  });
  let large: ScenarioResult | undefined;
  let seedMs: number | undefined;
  if (!opts.skipMillion) {
    large = await step(`callback ingest, ${opts.largeMessages} messages (seeding first)`, async () => {
      const run = await runIngest(opts, dir, opts.largeMessages);
      seedMs = run.seedMs;
      console.error(`  seeded in ${(run.seedMs / 1000).toFixed(1)} s`);
      return run.result;
    });
  }
  let direct: ScenarioResult | undefined;
  let send: ScenarioResult | undefined;
  if (!opts.skipSend) {
    direct = await step('emulator called directly with axios', () => runSendDirect(opts));
    send = await step('POST /send-sms through the service', () => runSendService(opts, dir));
  }

  const totalS = (Date.now() - started) / 1000;
  const markdown = renderReport({
    opts,
    runner: launcher.label,
    bare,
    small,
    large,
    direct,
    send,
    seedMs,
    totalS,
  });
  console.log(`\n${markdown}`);
  writeFileSync(join(REPO_ROOT, 'bench', 'RESULTS.md'), markdown);
  // A benchmark whose requests failed is worthless: say so in the exit code too. A missed target is not a failure.
  if ([bare, small, large, direct, send].some((r) => r && r.problems.length > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
