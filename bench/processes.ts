import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './pinning';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Child = {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** Peak resident set size of the process so far (VmHWM), in MB; undefined off Linux. */
  peakRssMb(): number | undefined;
  /** CPU time used so far by the process, all its threads (utime + stime), in µs; undefined off Linux. */
  cpuUs(): number | undefined;
  /** The last lines it printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
};

const running = new Set<ChildProcess>();

/** Node arguments for an entry point; run.ts switches this to the built bundles. */
let nodeArgs = (entry: string) => ['--import', 'tsx', entry];
export function useNodeArgs(args: (entry: string) => string[]): void {
  nodeArgs = args;
}

/** Kills whatever is still running; for Ctrl+C and crashes (graceful stops go through Child.stop). */
export function killAll(): void {
  for (const proc of running) proc.kill('SIGKILL');
  running.clear();
}

/** A port free right now on loopback (the OS picks it; the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function readPeakRssMb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux we run on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/**
 * utime + stime of the whole process (every thread, live or ended: the kernel sums them in the process's
 * line), from fields 14 and 15 of /proc/<pid>/stat, counted after the command name, which may hold spaces.
 */
export function readCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Runs an entry point with node itself (bundle or `--import tsx`), never through the tsx CLI, so that
 * the pid we hold (and whose RSS we read) is the process that serves, not a wrapper around it.
 */
export async function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { core?: number; stdoutFile?: string } = {},
): Promise<Child> {
  const port = Number(env.PORT);
  const [command, args] = pinned(options.core, process.execPath, nodeArgs(script));
  // A log on stdout goes to a file, as a deployed service's would; a pipe read here would cost us.
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const proc = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  running.add(proc);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  exited.then(() => running.delete(proc));
  let exitedEarly = false;
  exited.then(() => {
    exitedEarly = true;
  });

  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (exitedEarly || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${name} did not start listening on ${port}:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name,
    pid: proc.pid ?? 0,
    port,
    url: `http://127.0.0.1:${port}`,
    peakRssMb: () => readPeakRssMb(proc.pid ?? 0),
    cpuUs: () => readCpuUs(proc.pid ?? 0),
    output: () => lines.join('\n'),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      // The service finishes requests in flight on SIGTERM; do not wait forever for it.
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
