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
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

export type CheckpointerOptions = {
  intervalMs: number;
  onError(message: string): void;
  /** Once the worker's connection is open, with the settings it runs with (PRAGMA synchronous: 2 is FULL). */
  onReady?(settings: { synchronous: number }): void;
};

/**
 * Moves the bulk of SQLite's checkpointing off the connection that serves requests. Left to itself,
 * SQLite runs a checkpoint inside whichever commit crosses 1,000 log pages, blocking the event loop
 * while every page written since is copied into the database file and synced. The worker copies
 * pages every `intervalMs`, so when the serving connection's own checkpoint comes due there is little
 * left for it to copy. That one stays on, as it must: under steady writes a checkpoint running beside
 * the writer never finds the log fully copied at the moment a transaction starts, and only then does
 * SQLite start the log over; without it the -wal file grew by 18 MB a second.
 */
export function startCheckpointer(sqlite: SQLite.Database, path: string, options: CheckpointerOptions) {
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      intervalMs: options.intervalMs,
      closed,
    },
    // A checkpoint needs no JavaScript heap to speak of.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  worker.on('message', (message: { error?: string; ready?: { synchronous: number } }) => {
    if (message.error) options.onError(message.error);
    if (message.ready) options.onReady?.(message.ready);
  });
  worker.on('error', (error) => {
    if (sqlite.open)
      options.onError(`checkpoint worker failed, the connection checkpoints alone: ${error.message}`);
  });
  let stopped = false;
  let running = true;
  worker.on('exit', () => {
    running = false;
  });
  return {
    /**
     * Returns once the worker has closed its connection (a checkpoint under way finishes first), so
     * that whoever closes the database next finds no second connection still holding the files.
     */
    stop() {
      if (stopped) return;
      stopped = true;
      if (!running) return;
      worker.postMessage('stop');
      Atomics.wait(closed, 0, 0, 5_000);
    },
  };
}
