import type SQLite from 'better-sqlite3';
import { type DialectAdapter, SqliteAdapter, SqliteDialect } from 'kysely';
import { checkpointerOf } from './checkpointer';
import type { Handle } from './database';

type Holder = { sqlite?: SQLite.Database };

/** Each SQLite database's one connection, found through the adapter its Kysely instances share. */
const connections = new WeakMap<DialectAdapter, Holder>();

/**
 * Kysely's SQLite dialect, remembering the better-sqlite3 connection it opened so that compiled
 * statements (prepared.ts) can run on it directly inside a transaction.
 */
export class DirectSqliteDialect extends SqliteDialect {
  readonly #holder: Holder;

  constructor(open: () => Promise<SQLite.Database>) {
    const holder: Holder = {};
    super({
      database: async () => {
        holder.sqlite = await open();
        return holder.sqlite;
      },
    });
    this.#holder = holder;
  }

  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter();
    connections.set(adapter, this.#holder);
    return adapter;
  }
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
