import os from 'node:os';
import type { BenchOptions } from './options';
import type { Spread, Summary } from './rounds';

/** Key of the service run with SQLite synchronous = NORMAL beside FULL (its send variant: `send-` before it). */
export const NORMAL_KEY = 'service-normal';

export type Report = {
  opts: BenchOptions;
  runner: string;
  placement: string;
  /**
   * Ingest variants; the first two are bare Express and the guide's app, the third the service, then
   * revisions, (key `service-normal`) the service with synchronous = NORMAL and (key `service-events`) the
   * service with a hanging event endpoint.
   */
  ingest: Summary[];
  /** The service at 1,000,000 messages, when run. */
  large: Summary | undefined;
  /** Send variants; the first is this tree's service, then revisions (`--compare`) and NORMAL. */
  send: Summary[];
  seedMs: number | undefined;
  totalS: number;
};

const num = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (ratio: number) => `${Math.round(ratio * 100)} %`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**MISS**');
const range = (s: Spread, digits: number) =>
  `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;

export function machineLine(): string {
  const cpus = os.cpus();
  const memGb = os.totalmem() / 1024 ** 3;
  const load = os.loadavg().map((l) => l.toFixed(1));
  return (
    `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${num(memGb)} GB RAM, ` +
    `${os.type()} ${os.release()}, Node ${process.version}, load average ${load.join(' ')}, ` +
    `${new Date().toISOString().slice(0, 16)}Z`
  );
}

function table(rows: Summary[], reference: Summary | undefined, refLabel: string): string[] {
  const head = `| Setup | req/s | p50 ms | p99 ms | CPU µs/req | CPU of its core | peak RSS MB | req/s vs ${refLabel} |`;
  const lines = [head, '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const ratio = reference ? pct(r.rps.median / reference.rps.median) : '';
    lines.push(
      `| ${r.name} | ${range(r.rps, 0)} | ${num(r.p50.median, 1)} | ${range(r.p99, 1)} | ${range(r.cpuUs, 0)} | ` +
        `${pct(r.cpuShare.median)} | ${num(r.peakRssMb, 0)} | ${ratio} |`,
    );
  }
  return lines;
}

function targets(r: Report): string[] {
  const [bare, guide, service] = r.ingest;
  const lines = ['| Target | Measured | Result |', '|---|---|---|'];
  if (bare && guide && service) {
    const vsBare = service.rps.median / bare.rps.median;
    const vsGuide = service.rps.median / guide.rps.median;
    const p99 = service.p99.median / bare.p99.median;
    lines.push(`| ingest ≥ 85 % of bare Express's rate | ${pct(vsBare)} | ${verdict(vsBare >= 0.85)} |`);
    lines.push(
      `| ingest ≥ 105 % of the guide's app's rate | ${pct(vsGuide)} | ${verdict(vsGuide >= 1.05)} |`,
    );
    // req/s only compares servers that each got their core; CPU per request holds when they did not.
    const capBare = bare.cpuUs.median / service.cpuUs.median;
    const capGuide = guide.cpuUs.median / service.cpuUs.median;
    lines.push(
      `| the same by CPU per request (capacity of one core) | ${pct(capBare)} of bare Express, ${pct(capGuide)} of the guide's | info |`,
    );
    lines.push(`| ingest p99 ≤ 1.5 × bare Express's | ${num(p99, 2)} × | ${verdict(p99 <= 1.5)} |`);
    lines.push(
      `| service peak RSS < 150 MB (ingest) | ${num(service.peakRssMb, 0)} MB | ${verdict(service.peakRssMb < 150)} |`,
    );
    const events = r.ingest.find((s) => s.key === 'service-events');
    if (events) {
      // Within 10 % of ingest without, by rate and by the CPU each callback costs (issue 14).
      const ratio = events.rps.median / service.rps.median;
      const cpu = service.cpuUs.median / events.cpuUs.median;
      lines.push(
        `| ingest with a hanging event endpoint ≥ 90 % of without | ${pct(ratio)} of req/s, ${pct(cpu)} by CPU per request, p99 ${num(events.p99.median)} vs ${num(service.p99.median)} ms | ${verdict(ratio >= 0.9)} |`,
      );
    }
    if (r.large) {
      const ratio = r.large.p99.median / service.p99.median;
      lines.push(
        `| p99 at ${r.opts.largeMessages.toLocaleString('en')} messages ≤ 1.2 × p99 at ${r.opts.smallMessages.toLocaleString('en')} | ${num(ratio, 2)} × | ${verdict(ratio <= 1.2)} |`,
      );
    }
  }
  const [send, ...others] = r.send;
  const before = others.filter((s) => s.key !== `send-${NORMAL_KEY}`);
  if (send) {
    const cpu = send.cpuUs.median;
    lines.push(
      `| service CPU ≤ 1,000 µs per single-recipient send | ${num(cpu, 0)} µs | ${verdict(cpu <= 1000)} |`,
    );
    // The first revision compared is the baseline ("today"); later ones are steps of the ablation.
    for (const [i, old] of before.entries()) {
      const ratio = send.rps.median / old.rps.median;
      const result = i === 0 ? verdict(ratio >= 2) : 'info';
      lines.push(
        `| sends/s ≥ 2 × ${old.name}${i === 0 ? '' : ' (ablation step)'} | ${num(ratio, 2)} × | ${result} |`,
      );
    }
  }
  return lines;
}

/** `+50 µs (+20 %)`: what FULL adds to (or, negative, takes from) NORMAL's figure. */
function cost(full: number, normal: number, unit: string, digits: number): string {
  const sign = full >= normal ? '+' : '−';
  const change = Math.abs(full - normal);
  return `${sign}${num(change, digits)}${unit} (${sign}${pct(Math.abs(full / normal - 1))})`;
}

/**
 * What FULL (every commit's -wal synced before the answer) costs against NORMAL (synced at
 * checkpoints), both measured in the same rounds: the price of "on disk when answered" (issue 13).
 */
function durability(r: Report): string[] {
  const pairs = [
    ['callback ingest', r.ingest[2], r.ingest.find((s) => s.key === NORMAL_KEY)],
    ['single-recipient send', r.send[0], r.send.find((s) => s.key === `send-${NORMAL_KEY}`)],
  ] as const;
  const rows = pairs.flatMap(([what, full, normal]) =>
    full && normal
      ? [
          `| ${what} | ${num(full.cpuUs.median, 0)} / ${num(normal.cpuUs.median, 0)} | ` +
            `${cost(full.cpuUs.median, normal.cpuUs.median, ' µs', 0)} | ` +
            `${num(full.rps.median, 0)} / ${num(normal.rps.median, 0)} | ` +
            `${cost(full.rps.median, normal.rps.median, '/s', 0)} | ` +
            `${num(full.p99.median)} / ${num(normal.p99.median)} | ${cost(full.p99.median, normal.p99.median, ' ms', 1)} |`,
        ]
      : [],
  );
  if (rows.length === 0) return [];
  return [
    '## What durability costs (SQLite `synchronous` FULL, as shipped, against NORMAL)',
    '',
    'FULL syncs the write-ahead log at every commit, so what was answered is on the disk (the group commit ' +
      'shares one sync among the callbacks that arrive together); NORMAL syncs it at checkpoints only, and a ' +
      'power cut can lose what was answered. Same rows, same load, same rounds; medians.',
    '',
    '| Route | CPU µs/req FULL / NORMAL | FULL costs | req/s FULL / NORMAL | FULL costs | p99 ms FULL / NORMAL | FULL costs |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
}

export function renderReport(r: Report): string {
  const { opts } = r;
  const all = [...r.ingest, ...(r.large ? [r.large] : []), ...r.send];
  const problems = all.flatMap((s) => s.problems.map((p) => `- ${s.name}: ${p}`));
  const bare = r.ingest[0];
  return [
    '# Benchmark results',
    '',
    `Machine: ${machineLine()}`,
    '',
    `${r.placement} ${opts.connections} connections; ${opts.reps} rounds, each running every setup once in ` +
      `rotated order; per run ${opts.warmupS} s of warm-up, then ${opts.durationS} s measured on new ` +
      `connections. Figures are medians over the rounds, (min–max) beside them. CPU µs/req is the server ` +
      "process's utime + stime (all threads, /proc/<pid>/stat) over the measured phase, divided by the " +
      `answers. Servers ${r.runner}; stdout of every server to a file; service on SQLite ` +
      `(synchronous = FULL unless named NORMAL, temp file, fresh copy per run), LOG_LEVEL=${opts.logLevel}, ` +
      'auth and limits off.' +
      (r.seedMs === undefined
        ? ''
        : ` Seeding ${opts.largeMessages.toLocaleString('en')} messages took ${num(r.seedMs / 1000)} s.`) +
      ` Whole run: ${num(r.totalS, 0)} s.`,
    '',
    '## Callback ingest (`POST /webhooks/dlr`)',
    '',
    ...table([...r.ingest, ...(r.large ? [r.large] : [])], bare, 'bare Express'),
    '',
    ...(r.send.length > 0
      ? ['## Sends (`POST /send-sms` to the emulator)', '', ...table(r.send, r.send[0], 'this tree'), '']
      : []),
    ...durability(r),
    '## Targets',
    '',
    ...targets(r),
    '',
    'Checks after each run (database of the run, read after the server stopped):',
    ...all.map((s) => `- ${s.name}: ${s.verified.join('; ')}`),
    '',
    problems.length === 0
      ? 'Every request was answered 2xx and every answer checked against the database: the figures are sound.'
      : ['**Problems: the figures of these runs are not sound.**', ...problems].join('\n'),
    '',
  ].join('\n');
}

/** The README's two lines on performance, from the same figures. */
export function readmeSummary(r: Report): string | undefined {
  const [bare, guide, service] = r.ingest;
  if (!bare || !guide || !service) return undefined;
  const send = r.send[0];
  const sendPart = send ? `; a send ${num(send.cpuUs.median, 0)} µs CPU (${num(send.rps.median, 0)}/s)` : '';
  return (
    `Pinned to one core, durable ingest: ${num(service.rps.median, 0)}/s ` +
    `(${pct(service.rps.median / bare.rps.median)} of bare Express, ` +
    `${pct(service.rps.median / guide.rps.median)} of the guide's app), p99 ${num(service.p99.median, 0)} ms, ` +
    `${num(service.cpuUs.median, 0)} µs CPU, ${num(service.peakRssMb, 0)} MB${sendPart}.\n` +
    'Method and last run: [bench/README.md](bench/README.md), [bench/RESULTS.md](bench/RESULTS.md).'
  );
}
