import os from 'node:os';
import type { ScenarioResult } from './ingest';
import type { BenchOptions } from './options';

export type Report = {
  opts: BenchOptions;
  /** How the servers were run. */
  runner: string;
  bare: ScenarioResult;
  small: ScenarioResult;
  large: ScenarioResult | undefined;
  direct: ScenarioResult | undefined;
  send: ScenarioResult | undefined;
  seedMs: number | undefined;
  totalS: number;
};

const num = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (ratio: number) => `${Math.round(ratio * 100)} %`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**MISS**');

export function machineLine(): string {
  const cpus = os.cpus();
  const memGb = os.totalmem() / 1024 ** 3;
  return (
    `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${num(memGb)} GB RAM, ` +
    `${os.type()} ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`
  );
}

function row(r: ScenarioResult): string {
  const cells = [
    r.name,
    num(r.rps, 0),
    num(r.p50, 2),
    num(r.p99, 2),
    `${r.non2xx} / ${r.errors}`,
    num(r.peakRssMb),
  ];
  return `| ${cells.join(' | ')} |`;
}

function targets(r: Report): string[] {
  const { bare, small, large } = r;
  const lines = ['| Target | Measured | Result |', '|---|---|---|'];
  const rate = small.rps / bare.rps;
  lines.push(`| ingest rate ≥ 80 % of bare Express | ${pct(rate)} | ${verdict(rate >= 0.8)} |`);
  const p99 = small.p99 / bare.p99;
  lines.push(`| ingest p99 ≤ 1.5 × bare p99 | ${num(p99, 2)} × | ${verdict(p99 <= 1.5)} |`);
  const services = [small, large, r.send].filter((s): s is ScenarioResult => s !== undefined);
  const rss = Math.max(...services.map((s) => s.peakRssMb ?? Number.NaN));
  lines.push(`| service peak RSS < 200 MB (highest run) | ${num(rss)} MB | ${verdict(rss < 200)} |`);
  if (large) {
    const big = large.name.split(', ')[1];
    const few = small.name.split(', ')[1];
    for (const key of ['p50', 'p99'] as const) {
      const ratio = large[key] / small[key];
      lines.push(
        `| ${key} at ${big} ≤ 1.5 × ${key} at ${few} | ${num(ratio, 2)} × | ${verdict(ratio <= 1.5)} |`,
      );
    }
    lines.push(`| ingest rate at ${big} vs ${few} (no target) | ${pct(large.rps / small.rps)} | info |`);
  }
  if (r.send && r.direct) {
    lines.push(
      `| send via service vs emulator direct (no target) | ${pct(r.send.rps / r.direct.rps)} of the rate, p99 ${num(r.send.p99 / r.direct.p99, 2)} × | info |`,
    );
  }
  return lines;
}

export function renderReport(r: Report): string {
  const { opts } = r;
  const all = [r.bare, r.small, r.large, r.direct, r.send].filter(
    (s): s is ScenarioResult => s !== undefined,
  );
  const problems = all.flatMap((s) => s.problems.map((p) => `- ${s.name}: ${p}`));
  return [
    '# Benchmark results',
    '',
    `Machine: ${machineLine()}`,
    '',
    `${opts.connections} connections; ${opts.durationS} s measured after ${opts.warmupS} s of warm-up per run; ` +
      `only requests started after the warm-up count (same connections). Servers ${r.runner}; service on ` +
      `SQLite (temp file), LOG_LEVEL=${opts.logLevel}, auth and limits off; load generated in the parent ` +
      'process, each server in its own process, one at a time. Compare figures only within one run.' +
      (r.seedMs === undefined
        ? ''
        : ` Seeding ${opts.largeMessages.toLocaleString('en')} messages took ${num(r.seedMs / 1000)} s.`) +
      ` Whole run: ${num(r.totalS, 0)} s.`,
    '',
    '| Scenario | req/s | p50 ms | p99 ms | non-2xx / errors | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|',
    ...all.map(row),
    '',
    'Peak RSS is VmHWM of the process serving the row: the baseline app, the service, or (direct row) the emulator.',
    '',
    ...targets(r),
    '',
    'Checks after each run:',
    ...all.map((s) => `- ${s.name}: ${s.verified}; slowest warm-up answer ${num(s.warmupMaxMs, 0)} ms`),
    '',
    problems.length === 0
      ? 'Every request was answered 2xx and applied: the figures are sound.'
      : ['**Problems: the figures of these runs are not sound.**', ...problems].join('\n'),
    '',
  ].join('\n');
}
