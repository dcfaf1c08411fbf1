import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger';
import { startCheckpointer } from './checkpointer';
import {
  SQLITE_SYNCHRONOUS_LEVEL,
  type SqliteSynchronous,
  warnUnlessPostgresDurable,
  warnUnlessSqliteDurable,
} from './durability';
import * as initial from './migrations/0001-initial';
import * as resilience from './migrations/0002-resilience';
import * as messaging from './migrations/0003-messaging';
import * as sendOptions from './migrations/0004-send-options';
import * as idempotentResume from './migrations/0005-idempotent-resume';
import * as leanIndexes from './migrations/0006-lean-indexes';
import * as sendsInDoubt from './migrations/0007-sends-in-doubt';
import * as dailySendCounts from './migrations/0008-daily-send-counts';
import * as inboundUdh from './migrations/0009-inbound-udh';
import * as rateLimitHits from './migrations/0010-rate-limit-hits';
import * as dailyKeySendCounts from './migrations/0011-daily-key-send-counts';
import * as callbackProblems from './migrations/0012-callback-problems';
import * as events from './migrations/0013-events';
import * as rareStatusIndex from './migrations/0014-rare-status-index';
import * as callbackQuarantine from './migrations/0015-callback-quarantine';
import * as callbackRetention from './migrations/0016-callback-retention';
import * as eventClaims from './migrations/0017-event-claims';
import * as endpointSecretRotation from './migrations/0018-endpoint-secret-rotation';
import * as messageCompleted from './migrations/0019-message-completed';
import * as endpointQueueWindow from './migrations/0020-endpoint-queue-window';
import * as eventRedeliveredAt from './migrations/0021-event-redelivered-at';
import type { Database } from './schema';
import { DirectSqliteDialect } from './sqlite-direct';

export type Db = Kysely<Database>;
/** The database or a transaction on it: what repository functions take, so the service picks the transaction. */
export type Handle = Db | Transaction<Database>;

/** Migrations in order; each is a file under migrations/, listed here so no directory is scanned. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-resilience': resilience,
  '0003-messaging': messaging,
  '0004-send-options': sendOptions,
  '0005-idempotent-resume': idempotentResume,
  '0006-lean-indexes': leanIndexes,
  '0007-sends-in-doubt': sendsInDoubt,
  '0008-daily-send-counts': dailySendCounts,
  '0009-inbound-udh': inboundUdh,
  '0010-rate-limit-hits': rateLimitHits,
  '0011-daily-key-send-counts': dailyKeySendCounts,
  '0012-callback-problems': callbackProblems,
  '0013-events': events,
  '0014-rare-status-index': rareStatusIndex,
  '0015-callback-quarantine': callbackQuarantine,
  '0016-callback-retention': callbackRetention,
  '0017-event-claims': eventClaims,
  '0018-endpoint-secret-rotation': endpointSecretRotation,
  '0019-message-completed': messageCompleted,
  '0020-endpoint-queue-window': endpointQueueWindow,
  '0021-event-redelivered-at': eventRedeliveredAt,
};

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** How the database runs, beside where it is: SQLite's `synchronous` (FULL unless told; ignored on PostgreSQL). */
export type DatabaseOptions = { sqliteSynchronous?: SqliteSynchronous };

/** `postgres://…` (or `postgresql://…`) is PostgreSQL; `sqlite:<path>`, a bare path or `:memory:` is SQLite. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return { kind: 'sqlite', path };
}

/** Opens the database, creating a SQLite file and its folder when needed, and migrates it to the latest schema. */
export async function openDatabase(
  target: DatabaseTarget,
  logger?: Logger,
  { sqliteSynchronous = 'full' }: DatabaseOptions = {},
): Promise<Db> {
  const db = new Kysely<Database>({ dialect: dialectFor(target, logger, sqliteSynchronous) });
  try {
    await migrate(db, target.kind === 'postgres' ? await currentSchema(db) : undefined);
    if (target.kind === 'postgres') await warnUnlessPostgresDurable(db, logger);
    else warnUnlessSqliteDurable(sqliteSynchronous, target.path, logger);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

function dialectFor(target: DatabaseTarget, logger: Logger | undefined, synchronous: SqliteSynchronous) {
  if (target.kind === 'postgres') {
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url, max: 10 }) });
  }
  if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
  // FULL: every commit is synced to the -wal file before it resolves, so what we answered 200 for
  // survives a power cut or a kernel crash, not only a crash of the process. The dialect does that sync
  // itself, off the event loop (sqlite-direct.ts), over a connection SQLite runs at NORMAL; SQLite's
  // own FULL would do the same sync inside COMMIT, blocking the event loop for as long as the disk
  // takes. SQLITE_SYNCHRONOUS=normal (for the benchmark that measures what durability costs) syncs the
  // log at checkpoints only. The callback writer's group commit shares one sync among the callbacks that
  // arrive together.
  const syncWal = synchronous === 'full' && target.path !== ':memory:' ? target.path : undefined;
  const connectionLevel = syncWal ? SQLITE_SYNCHRONOUS_LEVEL.normal : SQLITE_SYNCHRONOUS_LEVEL[synchronous];
  return new DirectSqliteDialect(
    async () => {
      const sqlite = new SQLite(target.path);
      // WAL lets readers work while a callback is being written.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`synchronous = ${connectionLevel}`);
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      // After a burst the -wal file is cut back to 64 MB when the log starts over.
      sqlite.pragma('journal_size_limit = 67108864');
      // The checkpointer copies the log back and starts it over at 2,000 pages (8 MB); SQLite's own
      // checkpoint inside a commit, on the event loop, comes only should that fall behind.
      if (target.path !== ':memory:') sqlite.pragma(`wal_autocheckpoint = ${SELF_CHECKPOINT_PAGES}`);
      logger?.debug(
        {
          database: `sqlite:${target.path}`,
          connection: 'serving',
          synchronous: sqlite.pragma('synchronous', { simple: true }),
          commitSync: syncWal ? 'fdatasync of the -wal file off the event loop' : 'none',
        },
        'sqlite connection opened',
      );
      attachLimits(sqlite, target.path);
      if (target.path !== ':memory:') checkpointInBackground(sqlite, target.path, logger);
      return withStatementCache(sqlite);
    },
    { syncWal },
  );
}

/**
 * Kysely looks for its bookkeeping table in every schema unless told which one; name the schema in use
 * so two schemas in one PostgreSQL database (tests, tenants) do not see each other's migrations.
 */
async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check search_path');
  return schema;
}

/**
 * The per-minute request counters, in a file beside the database, attached as `limits`. They are counted on
 * every request, and need no durability: synchronous OFF spares each count the fsync a commit of the main
 * file pays (a commit touching only `limits` syncs nothing of the main file). Should a power cut leave the
 * file damaged, it is started afresh: it holds at most a minute of counting.
 */
function attachLimits(sqlite: SQLite.Database, path: string): void {
  const file = path === ':memory:' ? ':memory:' : `${path}-limits`;
  sqlite.prepare('attach database ? as limits').run(file);
  if (file !== ':memory:' && sqlite.pragma('limits.quick_check', { simple: true }) !== 'ok') {
    sqlite.exec('detach database limits');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    sqlite.prepare('attach database ? as limits').run(file);
  }
  sqlite.pragma('limits.journal_mode = WAL');
  sqlite.pragma('limits.synchronous = OFF');
  sqlite.exec(
    'create table if not exists limits.rate_limit_hits (key text primary key, hits integer not null, reset_at integer not null)',
  );
}

/** Log pages past which the writers pause for the checkpointer to copy the log back (checkpointer.ts). */
const DRAIN_PAGES = 2_000;
/** The serving connection checkpoints by itself past these: only when the checkpointer falls behind. */
const SELF_CHECKPOINT_PAGES = 10_000;

/** Checkpoints on a worker thread for as long as the connection is open. */
function checkpointInBackground(sqlite: SQLite.Database, path: string, logger: Logger | undefined): void {
  const checkpointer = startCheckpointer(sqlite, path, {
    intervalMs: 100,
    drainFrames: DRAIN_PAGES,
    onError: (message) => logger?.warn({ database: `sqlite:${path}` }, message),
    onReady: ({ synchronous }) =>
      logger?.debug(
        { database: `sqlite:${path}`, connection: 'checkpointer', synchronous },
        'sqlite connection opened',
      ),
  });
  const close = sqlite.close.bind(sqlite);
  sqlite.close = () => {
    checkpointer.stop();
    return close();
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew on each query; the queries are few and
 * repeat, so keep the prepared statements (a bounded cache: SQL text with varying IN lists differs).
 */
function withStatementCache(sqlite: SQLite.Database, size = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      cache.set(source, statement);
    }
    return statement;
  }) as SQLite.Database['prepare'];
  return sqlite;
}

export async function migrate(db: Db, migrationTableSchema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

/** True when a trivial query succeeds. */
export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
