import { type QueryExecutorProvider, sql } from 'kysely';
import type { Logger } from '../logger';

/** SQLite's `synchronous` as the service may run it: `full` unless someone measures what it costs. */
export type SqliteSynchronous = 'full' | 'normal';

/** PRAGMA synchronous reads back as a number: 1 is NORMAL, 2 is FULL. */
export const SQLITE_SYNCHRONOUS_LEVEL: Record<SqliteSynchronous, number> = { normal: 1, full: 2 };

/**
 * With synchronous = NORMAL (WAL mode) a commit is in the -wal file but not yet on the disk when the
 * answer goes out: a crash of the process loses nothing, a power cut or kernel crash can lose what was
 * answered 200. Allowed for the benchmark that measures what FULL costs, and said loudly at every start.
 */
export function warnUnlessSqliteDurable(
  synchronous: SqliteSynchronous,
  path: string,
  logger: Logger | undefined,
): void {
  if (synchronous === 'full') return;
  logger?.error(
    { database: `sqlite:${path}`, synchronous },
    `SQLite is not durable: SQLITE_SYNCHRONOUS=${synchronous} syncs the write-ahead log at checkpoints only; ` +
      'callbacks answered 200 and accepted sends can be lost in a power cut or a crash of the machine, ' +
      'and Sinch never sends a callback again. Unset SQLITE_SYNCHRONOUS (full) outside benchmarks',
  );
}

/**
 * A commit PostgreSQL has not flushed when it says done can vanish in a crash of the server, and with it
 * callbacks we answered 200 for, which Sinch never sends again. Read as our sessions see them (a role or
 * database may override the server's setting); `local` and the remote levels all flush locally first.
 */
export async function warnUnlessPostgresDurable(
  db: QueryExecutorProvider,
  logger: Logger | undefined,
): Promise<void> {
  const { rows } = await sql<{ synchronous_commit: string; fsync: string }>`
    select current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync
  `.execute(db);
  const settings = rows[0];
  if (!settings) return;
  const problems: string[] = [];
  if (settings.synchronous_commit === 'off') problems.push('synchronous_commit is off');
  if (settings.fsync === 'off') problems.push('fsync is off');
  if (problems.length === 0) return;
  logger?.error(
    { synchronousCommit: settings.synchronous_commit, fsync: settings.fsync },
    `PostgreSQL is not durable: ${problems.join(' and ')}; callbacks answered 200 and accepted sends ` +
      'can be lost in a crash of the database server. Turn it on for this role or database ' +
      '(ALTER ROLE … SET synchronous_commit = on) or in postgresql.conf',
  );
}
