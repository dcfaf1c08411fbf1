import { spawnSync } from 'node:child_process';

/**
 * Where each process runs. On two cores, a server and its load generator left to the scheduler take
 * turns on both and the figures say more about the scheduler than about the server. With `taskset`, the
 * server under test (its event loop and its helper threads: V8's, libuv's, the SQLite checkpointer's)
 * gets CPU 0 and the load generator (and, for sends, the emulator) CPU 1.
 */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

function available(command: string, args: string[]): boolean {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  return probe.error === undefined;
}

let tasksetFound: boolean | undefined;
export function canPin(): boolean {
  tasksetFound ??= process.platform === 'linux' && available('taskset', ['-c', '0', 'true']);
  return tasksetFound;
}

let wrkFound: boolean | undefined;
export function hasWrk(): boolean {
  wrkFound ??= available('wrk', ['--version']);
  return wrkFound;
}

/** The command and arguments that run `command` on `core`, or unpinned when no core is given or taskset is missing. */
export function pinned(core: number | undefined, command: string, args: string[]): [string, string[]] {
  if (core === undefined || !canPin()) return [command, args];
  // taskset execs the command: the pid we hold is the process itself.
  return ['taskset', ['-c', String(core), command, ...args]];
}

/** One sentence for the report and the console on how the processes were placed. */
export function placement(): string {
  const load = hasWrk() ? '`wrk` (one thread)' : 'autocannon in its own process (`wrk` not found)';
  if (!canPin()) {
    return (
      `UNPINNED: \`taskset\` was not found, so servers and load generator share every core as the ` +
      `scheduler likes; ratios are less trustworthy. Load from ${load}.`
    );
  }
  return `Server under test pinned to CPU ${SERVER_CORE} (\`taskset -c ${SERVER_CORE}\`), load from ${load} on CPU ${LOAD_CORE}.`;
}
