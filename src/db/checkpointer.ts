import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * The worker's whole program, plain CommonJS so it runs the same under tsx, vitest and a bundle. It opens
 * its own connection and copies the write-ahead log back into the database file with PASSIVE
 * checkpoints, which never wait for the writer: the page copying and the fsync happen on this thread,
 * not on the event loop that answers requests.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = FULL');
parentPort.postMessage({ ready: { synchronous: db.pragma('synchronous', { simple: true }) } });
function checkpoint() {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // Changes whenever another connection has committed since this one last asked.
    return { log: result.log, version: db.pragma('data_version', { simple: true }) };
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
    return undefined;
  }
}
// Every intervalMs, or sooner where the log, growing at its last pace, would pass drainFrames before
// then: so the writers hear of it at about drainFrames however fast they write.
let timer;
let last = { log: 0, at: performance.now() };
function tick() {
  const progress = checkpoint();
  parentPort.postMessage({ progress });
  const log = progress ? progress.log : 0;
  const at = performance.now();
  const perMs = (log >= last.log ? log - last.log : log) / Math.max(at - last.at, 1);
  last = { log, at };
  const left = workerData.drainFrames - log;
  const wait = left > 0 && perMs * workerData.intervalMs > left ? left / perMs : workerData.intervalMs;
  timer = setTimeout(tick, Math.max(1, Math.floor(wait)));
}
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'drain') return parentPort.postMessage({ drained: checkpoint() });
  clearTimeout(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

export type CheckpointerOptions = {
  intervalMs: number;
  /** Frames in the log past which the writers pause for the log to be copied back (drainIfDue). */
  drainFrames: number;
  onError(message: string): void;
  /** Once the worker's connection is open, with the settings it runs with (PRAGMA synchronous: 2 is FULL). */
  onReady?(settings: { synchronous: number }): void;
};

/**
 * What a checkpoint reported: the frames in the log (all copied back, unless a reader held some), and
 * the database's `data_version` as the worker's connection saw it then.
 */
type Progress = { log: number; version: number };

/**
 * Whether a checkpoint's report calls for the writers to pause: the log is past `drainFrames`, and
 * something was committed since the last drain. A report with the drain's version comes from a
 * checkpoint run before the writers' next write, which starts the log over; pausing for it would be a
 * second drain of nothing.
 */
export const drainDue = (progress: Progress | undefined, drainFrames: number, lastDrain?: Progress) =>
  progress !== undefined && progress.log > drainFrames && progress.version !== lastDrain?.version;

export type Checkpointer = {
  /**
   * Undefined, unless the log has grown past `drainFrames`: then a promise
   * of a checkpoint with nothing writing, after which the next write starts the log over. A writer
   * awaits it before its next transaction (the event loop serves requests meanwhile).
   */
  drainIfDue(): Promise<void> | undefined;
  stop(): void;
};

const checkpointers = new WeakMap<SQLite.Database, Checkpointer>();

/** The checkpointer of a connection, if it has one (a file database opened by openDatabase). */
export const checkpointerOf = (sqlite: SQLite.Database): Checkpointer | undefined =>
  checkpointers.get(sqlite);

/**
 * Takes checkpointing off the connection that serves requests. Left to itself, SQLite checkpoints
 * inside whichever commit takes the log past `wal_autocheckpoint` pages: the event loop then waits
 * while every page written since is copied into the database file and that file is synced (tens of
 * milliseconds under load, one commit in ten). Here a worker copies pages every `intervalMs` (sooner
 * when the log would pass `drainFrames` before then, at the pace it grows) with PASSIVE checkpoints,
 * which never wait for the writer, so the copying and the syncs happen on its thread. Copying alone
 * never lets the log start over under steady writes: SQLite restarts it only at a write that finds
 * every frame copied, and a writer that never pauses never gives the checkpoint that moment. So once
 * the log passes `drainFrames` the writers pause (drainIfDue) for one checkpoint of the worker's, and
 * their next write starts the log over. The serving connection's own auto-checkpoint stays on, far
 * higher, as the bound should the worker stop (database.ts).
 */
export function startCheckpointer(
  sqlite: SQLite.Database,
  path: string,
  options: CheckpointerOptions,
): Checkpointer {
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      intervalMs: options.intervalMs,
      drainFrames: options.drainFrames,
      closed,
    },
    // A checkpoint needs no JavaScript heap to speak of.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  let due = false;
  /** What the last drain reported: a report of its version comes before any write since. */
  let lastDrain: Progress | undefined;
  let draining: { promise: Promise<void>; settle(): void } | undefined;
  const settleDrain = () => {
    draining?.settle();
    draining = undefined;
  };
  worker.on(
    'message',
    (message: {
      error?: string;
      ready?: { synchronous: number };
      progress?: Progress;
      drained?: Progress;
    }) => {
      if (message.error) options.onError(message.error);
      if (message.ready) options.onReady?.(message.ready);
      // Copied up to the last commit is not enough: a write already under way keeps the log going.
      if ('progress' in message) due = drainDue(message.progress, options.drainFrames, lastDrain);
      if ('drained' in message) {
        // Copied up to the last commit: the next write starts the log over. Not copied (an error,
        // or a reader in the way): the next progress says whether to try again.
        due = false;
        lastDrain = message.drained;
        settleDrain();
      }
    },
  );
  worker.on('error', (error) => {
    if (sqlite.open)
      options.onError(`checkpoint worker failed, the connection checkpoints alone: ${error.message}`);
  });
  let stopped = false;
  let running = true;
  worker.on('exit', () => {
    running = false;
    due = false;
    settleDrain();
  });
  const checkpointer: Checkpointer = {
    drainIfDue() {
      if (!due || !running) return undefined;
      if (!draining) {
        let settle = () => {};
        const promise = new Promise<void>((resolve) => {
          settle = resolve;
        });
        draining = { promise, settle };
        worker.postMessage('drain');
      }
      return draining.promise;
    },
    /**
     * Returns once the worker has closed its connection (a checkpoint under way finishes first), so
     * that whoever closes the database next finds no second connection still holding the files.
     */
    stop() {
      if (stopped) return;
      stopped = true;
      due = false;
      settleDrain();
      if (!running) return;
      worker.postMessage('stop');
      Atomics.wait(closed, 0, 0, 5_000);
    },
  };
  checkpointers.set(sqlite, checkpointer);
  return checkpointer;
}
