import { closeSync, fdatasync, openSync, realpathSync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';
import { checkpointerOf } from './checkpointer';
import type { Handle } from './database';

type Holder = { sqlite?: SQLite.Database };

/** Each SQLite database's one connection, found through the adapter its Kysely instances share. */
const connections = new WeakMap<DialectAdapter, Holder>();

/**
 * Kysely's SQLite dialect, remembering the better-sqlite3 connection it opened so that compiled
 * statements (prepared.ts) can run on it directly inside a transaction.
 *
 * With `syncWal` (the database file's path) it makes every commit durable itself: the connection runs
 * with `synchronous = NORMAL`, which writes a commit to the -wal file without syncing it, and each
 * statement that commits (a COMMIT, or a write outside a transaction) resolves only once an fdatasync
 * of the -wal file has completed. In WAL mode that is what `synchronous = FULL` does, but the sync runs
 * on libuv's thread pool instead of inside COMMIT on the event loop: while the disk works, the service
 * goes on reading and checking the next requests. The connection stays held until the sync is done, so
 * no other transaction writes meanwhile, and nothing is answered before its commit is on the disk.
 * Unlike FULL, another process reading the file (the callbacks CLI, the sqlite3 shell) may see a commit
 * a few milliseconds before it is on the disk; this process cannot, as it waits for the connection.
 */
export class DirectSqliteDialect extends SqliteDialect {
  readonly #holder: Holder;
  readonly #database: () => Promise<SQLite.Database>;
  readonly #syncWal: string | undefined;

  constructor(openConnection: () => Promise<SQLite.Database>, options: { syncWal?: string } = {}) {
    const holder: Holder = {};
    const database = async () => {
      holder.sqlite = await openConnection();
      return holder.sqlite;
    };
    super({ database });
    this.#holder = holder;
    this.#database = database;
    this.#syncWal = options.syncWal;
  }

  override createDriver(): Driver {
    if (this.#syncWal === undefined) return super.createDriver();
    return new WalSyncingDriver({ database: this.#database }, this.#holder, this.#syncWal);
  }

  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter();
    connections.set(adapter, this.#holder);
    return adapter;
  }
}

/** Kysely's driver (its one connection and the lock on it), handing out a connection that syncs commits. */
class WalSyncingDriver extends SqliteDriver {
  #connection: WalSyncingConnection | undefined;

  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly holder: Holder,
    private readonly databasePath: string,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await super.acquireConnection();
    this.#connection ??= new WalSyncingConnection(this.holder.sqlite as SQLite.Database, this.databasePath);
    return this.#connection;
  }

  override async destroy(): Promise<void> {
    // After a sync still on the pool: its descriptor must not close under it.
    await super.acquireConnection();
    this.#connection?.close();
    await super.destroy();
  }
}

/**
 * The rate-limit counters live in an attached database that is never synced, by design (database.ts):
 * a write to them alone commits nothing of the main database's.
 */
const UNSYNCED = /\brate_limit_hits\b/;

class WalSyncingConnection implements DatabaseConnection {
  /**
   * The -wal file, opened at the first sync and kept: SQLite keeps that file (truncating it at most)
   * while a connection is open, so the descriptor stays the file's. SQLite names it after the database
   * file with symbolic links resolved, and so does this.
   */
  #wal: number | undefined;
  /** Set once a sync failed: every statement after it fails the same way (see executeQuery). */
  #failed: Error | undefined;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly databasePath: string,
  ) {}

  close(): void {
    if (this.#wal !== undefined) closeSync(this.#wal);
    this.#wal = undefined;
  }

  async #sync(): Promise<void> {
    this.#wal ??= openSync(`${realpathSync(this.databasePath)}-wal`, 'r');
    const fd = this.#wal;
    await new Promise<void>((resolve, reject) =>
      fdatasync(fd, (error) => (error ? reject(error) : resolve())),
    );
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#failed) throw this.#failed;
    const inTransaction = this.sqlite.inTransaction;
    const statement = this.sqlite.prepare(query.sql);
    const result = runStatement<R>(statement, query.parameters);
    // Committed: a transaction ended other than by a rollback, or a statement that writes ran alone.
    const committed = inTransaction ? !/^\s*rollback\b/i.test(query.sql) : !statement.readonly;
    if (!committed || this.sqlite.inTransaction || UNSYNCED.test(query.sql)) return result;
    try {
      await this.#sync();
    } catch (cause) {
      // The commit is in the -wal file, visible, and maybe not on the disk; a sync that failed cannot
      // be tried again (the kernel reports a lost write-back once). Nothing more is stored or answered
      // as stored: every statement fails from now on, a storage error (503), until a restart recovers
      // the database from what is on the disk. SQLite's FULL would have kept the commit invisible.
      this.#failed = Object.assign(
        new Error(
          `the -wal file could not be synced (${(cause as Error).message}): what was committed since the last sync may not be on the disk; restart the service`,
          { cause },
        ),
        { code: 'SQLITE_IOERR_FSYNC' },
      );
      throw this.#failed;
    }
    return result;
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only a select can be streamed on SQLite');
    for (const row of this.sqlite.prepare(query.sql).iterate(query.parameters)) yield { rows: [row as R] };
  }
}

/** A statement run as Kysely's SQLite driver runs it: the rows of a reader, else the changes and the row id. */
export function runStatement<R>(statement: SQLite.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/**
 * The better-sqlite3 connection a SQLite transaction holds, or undefined (PostgreSQL, or no transaction).
 * Only inside a transaction is running a statement on it directly safe: the transaction holds Kysely's
 * lock on the one connection, so nothing else of Kysely's can run on it until the transaction ends, and a
 * statement run here belongs to that transaction. Outside one, a statement could land in whatever
 * transaction another caller has open between two awaits.
 */
export function transactionConnection(handle: Handle): SQLite.Database | undefined {
  if (!handle.isTransaction) return undefined;
  const adapter = handle.getExecutor().adapter;
  return adapter instanceof SqliteAdapter ? connections.get(adapter)?.sqlite : undefined;
}

/**
 * For a writer about to start its next transaction: a promise while the write-ahead log is being
 * copied back with nothing writing (checkpointer.ts), else undefined (nearly always; and on PostgreSQL).
 */
export function logDrain(db: Handle): Promise<void> | undefined {
  const sqlite = connections.get(db.getExecutor().adapter)?.sqlite;
  return sqlite ? checkpointerOf(sqlite)?.drainIfDue() : undefined;
}
