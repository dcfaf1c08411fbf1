import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, parseDatabaseUrl } from '../src/db/database';
import { createLogger } from '../src/logger';
import { LogCapture } from './helpers/app';
import { createTestDatabase, DB_KINDS, PG_URL } from './helpers/databases';
import { ROOT, serverCommand } from './helpers/process';

// What these tests can and cannot show. A machine crash loses what the kernel still holds in its page
// cache; only data a completed fsync/fdatasync covers is on the disk. Dropping the page cache
// (/proc/sys/vm/drop_caches) cannot stand in for that: the kernel writes dirty pages back before it drops
// them, so nothing is lost either way. Losing unsynced writes for real takes a device we can cut (dm-flakey,
// dm-log-writes) or a VM to power off, neither of which a container offers. So the proof is in two parts:
// strace shows that the thread answering callbacks syncs the -wal file between receiving each one and
// answering it (what makes a power cut harmless, as far as the disk honours flushes), and a SIGKILL in the
// middle of a burst shows that nothing answered 200 is missing when the database is opened again.

const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type Child = { child: ChildProcess; port: number };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sms-durable-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves once the process has ended (a process killed by a signal has no exit code, only a signal). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The service as `npm start` runs it (sources through tsx), optionally under `wrapper` (strace). */
function startServer(databasePath: string, wrapper: string[] = []): Promise<Child> {
  const [node, args] = serverCommand();
  const [command, ...rest] = [...wrapper, node, ...args];
  const child = spawn(command as string, rest, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${databasePath}`,
      SINCH_SERVICE_PLAN_ID: 'plan',
      SINCH_API_TOKEN: 'test-token-not-real',
      SINCH_NUMBER: '+15550001111',
      SINCH_API_BASE_URL: 'http://127.0.0.1:9',
      RECONCILE_INTERVAL_SECONDS: '0',
    },
  });
  cleanups.push(() => {
    // Under strace the service is strace's child, and outlives strace when only strace is killed.
    for (const pid of childrenOf(child.pid)) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
  });
  let output = '';
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/server listening on http:\/\/localhost:(\d+)/);
      if (match) done({ child, port: Number(match[1]) });
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', () => fail(new Error(`service exited early:\n${output}`)));
  });
}

/** A recipient report for a batch nobody sent: stored as unmatched and answered 200. */
function postReport(port: number, batchId: string): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/webhooks/dlr`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'recipient_delivery_report_sms',
      batch_id: batchId,
      recipient: '15551234567',
      status: 'Delivered',
      code: 0,
      at: '2026-12-01T10:00:00.000Z',
    }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

const batchId = (i: number) => `01JDURABLE${String(i).padStart(16, '0')}`;

function storedBatchIds(path: string): Set<string> {
  const sqlite = new Database(path, { readonly: true });
  try {
    const rows = sqlite.prepare('select batch_id from callbacks').all() as Array<{ batch_id: string }>;
    return new Set(rows.map((row) => row.batch_id));
  } finally {
    sqlite.close();
  }
}

describe('SQLite durability', () => {
  it('When the app opens a SQLite database, then every connection it opens, the checkpoint worker included, runs with synchronous = FULL', async () => {
    const database = await createTestDatabase('sqlite');
    const logs = new LogCapture();
    const db = await openDatabase(parseDatabaseUrl(database.url), createLogger('debug', logs));
    cleanups.push(() => void database.drop());
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      expect(rows[0]?.synchronous).toBe(2);
      await vi.waitFor(() => expect(logs.find('sqlite connection opened')).toHaveLength(2), {
        timeout: 5_000,
        interval: 10,
      });
      const opened = logs.find('sqlite connection opened');
      expect(opened.map((line) => line.connection).sort()).toEqual(['checkpointer', 'serving']);
      for (const line of opened) expect(line.synchronous).toBe(2);
      expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('When SQLITE_SYNCHRONOUS=normal, then the serving connection runs with NORMAL and opening the database logs an error that acknowledged callbacks can be lost', async () => {
    const database = await createTestDatabase('sqlite');
    const logs = new LogCapture();
    const db = await openDatabase(parseDatabaseUrl(database.url), createLogger('debug', logs), {
      sqliteSynchronous: 'normal',
    });
    cleanups.push(() => void database.drop());
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      expect(rows[0]?.synchronous).toBe(1);
      const errors = logs.lines.filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.msg).toMatch(/^SQLite is not durable: SQLITE_SYNCHRONOUS=normal/);
      expect(errors[0]?.msg).toMatch(/can be lost in a power cut/);
    } finally {
      await db.destroy();
    }
  });

  it.skipIf(!hasStrace)(
    'When callbacks are answered one at a time, then the serving thread syncs the -wal file before each 200',
    async () => {
      const dir = tempDir();
      const databasePath = join(dir, 'sms.sqlite');
      const trace = join(dir, 'trace.txt');
      const { child, port } = await startServer(databasePath, [
        'strace',
        '-f',
        '--seccomp-bpf',
        '-qq',
        '-y',
        '-s',
        '24',
        '-e',
        'trace=fsync,fdatasync,write,writev',
        '-o',
        trace,
      ]);
      const answered = 30;
      for (let i = 0; i < answered; i++) expect(await postReport(port, batchId(i))).toBe(200);

      // Each line: "<tid> syscall(fd<path>, …". The answers are written by the main thread, whose tid is
      // the pid of node (strace's child: killing strace alone would leave it running).
      const lines = readFileSync(trace, 'utf8').split('\n');
      const response = /^\d+ +writev?\(\d+<(socket|TCP)[^>]*>, .*HTTP\/1\.1 200/;
      const answers = lines.filter((line) => response.test(line));
      const mainThread = answers[0]?.split(' ')[0];
      if (mainThread) process.kill(Number(mainThread), 'SIGKILL');
      await exited(child);
      expect(answers).toHaveLength(answered);
      let syncsSinceAnswer = 0;
      const syncsBeforeEachAnswer: number[] = [];
      for (const line of lines) {
        if (!line.startsWith(`${mainThread} `)) continue;
        if (/^\d+ +f(data)?sync\(\d+<[^>]*sms\.sqlite-wal>/.test(line)) syncsSinceAnswer++;
        else if (response.test(line)) {
          syncsBeforeEachAnswer.push(syncsSinceAnswer);
          syncsSinceAnswer = 0;
        }
      }
      expect(syncsBeforeEachAnswer).toHaveLength(answered);
      // With synchronous = NORMAL this is 0 for almost every answer: the -wal file is synced at checkpoints.
      for (const syncs of syncsBeforeEachAnswer) expect(syncs).toBeGreaterThanOrEqual(1);
      expect(storedBatchIds(databasePath).size).toBe(answered);
    },
    120_000,
  );

  it('When the process is SIGKILLed in the middle of a burst of callbacks, then every callback answered 200 is in the database opened again', async () => {
    const dir = tempDir();
    const databasePath = join(dir, 'sms.sqlite');
    const { child, port } = await startServer(databasePath);
    const answered: string[] = [];
    let next = 0;
    let killed = false;
    const killAfter = 200;
    // 20 callbacks in flight at any time, so that the kill lands in the middle of group commits.
    const client = async () => {
      while (!killed) {
        const id = batchId(next++);
        const status = await postReport(port, id).catch(() => 0);
        if (status === 200) answered.push(id);
        if (answered.length >= killAfter && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, client));
    await exited(child);

    const stored = storedBatchIds(databasePath);
    expect(answered.length).toBeGreaterThanOrEqual(killAfter);
    expect(answered.filter((id) => !stored.has(id))).toEqual([]);
  }, 120_000);
});

describe.skipIf(!DB_KINDS.includes('postgres'))('PostgreSQL durability', () => {
  it('When PostgreSQL runs with synchronous_commit off, then opening the database logs an error saying acknowledged callbacks can be lost', async () => {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => void database.drop());
    const url = `${database.url}${encodeURIComponent(' -c synchronous_commit=off')}`;
    const logs = new LogCapture();
    const db = await openDatabase(parseDatabaseUrl(url), createLogger('info', logs));
    await db.destroy();
    const errors = logs.lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/PostgreSQL is not durable: synchronous_commit is off/);
    expect(errors[0]?.synchronousCommit).toBe('off');
  });

  it('When PostgreSQL commits synchronously, then opening the database logs no durability error', async () => {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => void database.drop());
    const logs = new LogCapture();
    const db = await openDatabase(parseDatabaseUrl(database.url), createLogger('info', logs));
    await db.destroy();
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(PG_URL).toMatch(/^postgres/);
  });
});
