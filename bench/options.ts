/** Run settings from `--name=value` flags, else `BENCH_*` variables, else defaults (≈ 2–3 minutes in all). */
export type BenchOptions = {
  durationS: number;
  warmupS: number;
  connections: number;
  /** Messages seeded for the "empty table" ingest run; enough that every request hits a distinct one. */
  smallMessages: number;
  largeMessages: number;
  skipMillion: boolean;
  skipSend: boolean;
  skipIngest: boolean;
  /** Also runs ingest with an event endpoint configured whose receiver never answers. */
  withEvents: boolean;
  /** Leaves out the service with SQLite synchronous = NORMAL, run beside FULL to state what durability costs. */
  skipNormal: boolean;
  /** The service's LOG_LEVEL: `info` (one line per callback, as deployed) unless told otherwise. */
  logLevel: 'info' | 'warn' | 'error';
  /** Rounds: every variant runs once per round, in rotated order. */
  reps: number;
  /** Git revisions whose service runs beside this tree's, for A/B (ablation) figures. */
  compare: string[];
  /** `built`: esbuild bundles run by plain node, as `npm start` runs (the default); `tsx`: the sources through tsx. */
  runner: 'built' | 'tsx';
};

function flag(name: string): string | undefined {
  const prefix = `--${name}`;
  for (const arg of process.argv.slice(2)) {
    if (arg === prefix) return '1';
    if (arg.startsWith(`${prefix}=`)) return arg.slice(prefix.length + 1);
  }
  return undefined;
}

function setting(name: string, env: string): string | undefined {
  const value = flag(name) ?? process.env[env];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function positive(name: string, env: string, fallback: number): number {
  const raw = setting(name, env);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} / ${env} must be a positive number`);
  return value;
}

const truthy = (value: string | undefined) => value !== undefined && !['0', 'false', 'no'].includes(value);

export function readOptions(): BenchOptions {
  const logLevel = setting('log-level', 'BENCH_LOG_LEVEL') ?? 'info';
  if (logLevel !== 'info' && logLevel !== 'warn' && logLevel !== 'error') {
    throw new Error('--log-level must be info, warn or error');
  }
  const runner = setting('runner', 'BENCH_RUNNER') ?? 'built';
  if (runner !== 'built' && runner !== 'tsx') throw new Error('--runner must be built or tsx');
  return {
    durationS: positive('duration', 'BENCH_DURATION', 8),
    warmupS: positive('warmup', 'BENCH_WARMUP', 3),
    connections: Math.round(positive('connections', 'BENCH_CONNECTIONS', 50)),
    smallMessages: Math.round(positive('small', 'BENCH_SMALL_MESSAGES', 100_000)),
    largeMessages: Math.round(positive('large', 'BENCH_LARGE_MESSAGES', 1_000_000)),
    skipMillion: truthy(setting('skip-million', 'BENCH_SKIP_MILLION')),
    skipSend: truthy(setting('skip-send', 'BENCH_SKIP_SEND')),
    skipIngest: truthy(setting('skip-ingest', 'BENCH_SKIP_INGEST')),
    withEvents: truthy(setting('with-events', 'BENCH_WITH_EVENTS')),
    skipNormal: truthy(setting('skip-normal', 'BENCH_SKIP_NORMAL')),
    logLevel,
    reps: Math.round(positive('reps', 'BENCH_REPS', 3)),
    compare: (setting('compare', 'BENCH_COMPARE') ?? '')
      .split(',')
      .map((rev) => rev.trim())
      .filter(Boolean),
    runner,
  };
}
