import { statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCallbackWriter } from '../src/callbacks/callback-writer';
import { drainDue, startCheckpointer } from '../src/db/checkpointer';
import { type Db, openDatabase, parseDatabaseUrl } from '../src/db/database';
import { logDrain } from '../src/db/sqlite-direct';
import { createLogger } from '../src/logger';
import { optOutRules } from '../src/opt-outs/opt-out-settings';
import { createTestDatabase, DB_KINDS } from './helpers/databases';

async function openSqlite() {
  const database = await createTestDatabase('sqlite');
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  const target = parseDatabaseUrl(database.url);
  return { db, path: target.kind === 'sqlite' ? target.path : '' };
}

const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

it('When rows are written to SQLite, then a worker copies them into the database file before the connection checkpoints', async () => {
  const { db, path } = await openSqlite();
  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
  // The serving connection's own checkpoint stays on as the backstop, far past where the worker drains.
  expect(rows[0]?.wal_autocheckpoint).toBe(10_000);

  const before = statSync(path).size;
  const payload = 'x'.repeat(4_000);
  // About 520 pages: under the connection's threshold and the drain's, so only the worker can copy them.
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 500; i++) {
      await trx
        .insertInto('callbacks')
        .values({
          id: `cb-${i}`,
          received_at: '2026-11-28T10:00:00.000Z',
          type: 'unknown',
          batch_id: null,
          client_reference: null,
          payload,
          outcome: 'unknown_type',
          processed_at: null,
        })
        .execute();
    }
  });
  // Committed pages sit in the -wal file until a checkpoint copies them into the database file.
  await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 1_000_000), {
    timeout: 9_000,
    interval: 20,
  });
});

it('When callbacks are written without pause, then the -wal file stays bounded instead of growing with them', async () => {
  const { db, path } = await openSqlite();
  const writer = createCallbackWriter(db, optOutRules(undefined));
  const log = createLogger('silent');
  const end = Date.now() + 3_000;
  let n = 0;
  const client = async () => {
    while (Date.now() < end) {
      const payload = {
        type: 'recipient_delivery_report_sms',
        batch_id: `01JWAL${String(n++).padStart(20, '0')}`,
        recipient: '15551234567',
        status: 'Delivered',
        code: 0,
        at: '2026-11-28T10:00:05.000Z',
      };
      await writer.ingest(payload, JSON.stringify(payload).padEnd(1_500), log);
    }
  };
  await Promise.all(Array.from({ length: 50 }, client));

  // The writer pauses for the worker's checkpoint at about 2,000 log pages (the worker checks sooner
  // the faster the log grows), and the log starts over: about 8 MB, 12 MB here at 80,000 in 3 s.
  expect(n).toBeGreaterThan(1_000);
  expect(sizeOf(`${path}-wal`)).toBeLessThan(16_000_000);
});

/** A raw connection in WAL mode that never checkpoints by itself, with a worker draining at 50 pages. */
function rawConnection(path: string) {
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.exec('create table pages (body text)');
  const checkpointer = startCheckpointer(sqlite, path, { intervalMs: 5, drainFrames: 50, onError: () => {} });
  onTestFinished(() => {
    checkpointer.stop();
    sqlite.close();
  });
  const insert = sqlite.prepare('insert into pages (body) values (?)');
  /** One transaction of about `pages` pages. */
  const write = (pages: number) =>
    sqlite.transaction(() => {
      for (let i = 0; i < pages; i++) insert.run('p'.repeat(3_900));
    })();
  /** Frames in the log now (a PASSIVE checkpoint of the connection's own reports them). */
  const logFrames = () => (sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]?.log ?? -1;
  return { checkpointer, write, logFrames };
}

describe('draining the write-ahead log', () => {
  it('When the writer awaits drainIfDue once the log is past drainFrames, then its next write starts the log over', async () => {
    const { path } = await openSqlite();
    const { checkpointer, write, logFrames } = rawConnection(`${path}-raw`);
    let drain: Promise<void> | undefined;
    // Writing on, a transaction at a time, until the worker has seen the log pass 50 pages.
    await vi.waitFor(
      () => {
        write(10);
        drain = checkpointer.drainIfDue();
        expect(drain).toBeDefined();
      },
      { timeout: 9_000, interval: 5 },
    );
    await drain;
    write(3);

    // Only the frames of that last transaction: the log started over at it.
    expect(logFrames()).toBeLessThan(10);
  });

  it('When a checkpoint reports nothing committed since the last drain, then no second drain is due; once something was, and the log is past drainFrames, one is', () => {
    expect(drainDue({ log: 2_500, version: 1 }, 2_000)).toBe(true);
    expect(drainDue({ log: 1_500, version: 1 }, 2_000)).toBe(false);
    expect(drainDue(undefined, 2_000)).toBe(false);
    const drain = { log: 5_268, version: 7 };
    // The worker's next checkpoint ran before the writers' next write: the log is as the drain left it.
    expect(drainDue({ log: 5_268, version: 7 }, 2_000, drain)).toBe(false);
    // Written since, without starting over (a reader in the way), or started over and grown back to
    // the same length: a drain again.
    expect(drainDue({ log: 5_300, version: 8 }, 2_000, drain)).toBe(true);
    expect(drainDue({ log: 5_268, version: 9 }, 2_000, drain)).toBe(true);
  });

  it('When another connection commits, then data_version on a checkpointing connection changes, and its own checkpoints leave it as it was (what drainDue relies on)', async () => {
    const { path } = await openSqlite();
    const raw = rawConnection(`${path}-raw`);
    const worker = new SQLite(`${path}-raw`);
    onTestFinished(() => {
      worker.close();
    });
    // What the checkpoint worker does at each tick: a checkpoint, then its data_version.
    const versions: unknown[] = [];
    const report = () => {
      worker.pragma('wal_checkpoint(PASSIVE)');
      versions.push(worker.pragma('data_version', { simple: true }));
    };
    report();
    report();
    raw.write(2);
    report();
    expect(versions[1]).toBe(versions[0]);
    expect(versions[2]).not.toBe(versions[1]);
  });

  it('When the database is PostgreSQL or in memory, then there is never a drain to wait for', async () => {
    const opened: Db[] = [await openDatabase({ kind: 'sqlite', path: ':memory:' })];
    if (DB_KINDS.includes('postgres')) {
      const database = await createTestDatabase('postgres');
      onTestFinished(() => database.drop());
      opened.push(await database.open());
    }
    for (const db of opened) {
      await sql`select 1`.execute(db);
      expect(logDrain(db)).toBeUndefined();
      await db.destroy();
    }
  });
});
