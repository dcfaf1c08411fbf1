import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hasWrk, LOAD_CORE, pinned } from './pinning';
import { type Child, REPO_ROOT } from './processes';

/** What the load generator reports for one phase (bench/wrk-bodies.lua's line). */
type PhaseSummary = {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  sent: number;
};

/** One measured run of one server. Latencies in milliseconds. */
export type LoadResult = {
  rps: number;
  p50: number;
  p99: number;
  /** 2xx answers of the measured phase. */
  ok: number;
  non2xx: number;
  errors: number;
  /** 2xx answers including the warm-up, which a verification must account for too. */
  okIncludingWarmup: number;
  /** Requests started, warm-up included: an upper bound on what the server can have received. */
  sent: number;
  /** Slowest answer of the warm-up: first requests on new connections wait for the busy server to accept. */
  warmupMaxMs: number;
  /** CPU time of the server process (all threads) per answered request of the measured phase, µs. */
  cpuUsPerRequest: number | undefined;
  /** Share of one core the server used during the measured phase. */
  cpuShare: number | undefined;
};

export type LoadPlan = {
  url: string;
  path: string;
  connections: number;
  warmupS: number;
  durationS: number;
  /** A file of JSON bodies, one per line; request n posts line n (warm-up included). */
  bodiesFile: string;
};

function runPhase(plan: LoadPlan, durationS: number, start: number): Promise<PhaseSummary> {
  const target = `${plan.url}${plan.path}`;
  const [command, args] = hasWrk()
    ? pinned(LOAD_CORE, 'wrk', [
        '-t1',
        `-c${plan.connections}`,
        `-d${durationS}s`,
        '--timeout',
        '10s',
        '-s',
        join(REPO_ROOT, 'bench', 'wrk-bodies.lua'),
        target,
        '--',
        plan.bodiesFile,
        String(start),
      ])
    : pinned(LOAD_CORE, process.execPath, [
        '--import',
        'tsx',
        join(REPO_ROOT, 'bench', 'autocannon-child.ts'),
        target,
        String(plan.connections),
        String(durationS),
        plan.bodiesFile,
        String(start),
      ]);
  return new Promise((done, fail) => {
    const proc = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    proc.once('error', fail);
    proc.once('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH '));
      if (!line) fail(new Error(`the load generator printed no summary:\n${out}`));
      else done(JSON.parse(line.slice(6)) as PhaseSummary);
    });
  });
}

const errorsOf = (s: PhaseSummary) => s.connect + s.read + s.write + s.timeout;

/**
 * Warm-up, then the measured phase on fresh connections, each request with the next body of the file.
 * The server's CPU time is read from /proc just before and just after the measured phase.
 */
export async function measure(server: Child, plan: LoadPlan): Promise<LoadResult> {
  const warm = await runPhase(plan, plan.warmupS, 0);
  const cpuBefore = server.cpuUs();
  const startedAt = performance.now();
  const run = await runPhase(plan, plan.durationS, warm.sent);
  const wallUs = (performance.now() - startedAt) * 1000;
  const cpuAfter = server.cpuUs();
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  const seconds = run.durationUs / 1e6;
  return {
    rps: run.requests / seconds,
    p50: run.p50Us / 1000,
    p99: run.p99Us / 1000,
    ok: run.requests - run.status,
    non2xx: run.status + warm.status,
    errors: errorsOf(run) + errorsOf(warm),
    okIncludingWarmup: run.requests - run.status + warm.requests - warm.status,
    sent: warm.sent + run.sent,
    warmupMaxMs: warm.maxUs / 1000,
    cpuUsPerRequest: cpu === undefined || run.requests === 0 ? undefined : cpu / run.requests,
    cpuShare: cpu === undefined ? undefined : cpu / wallUs,
  };
}
