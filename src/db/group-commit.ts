import { CompiledQuery, SqliteAdapter } from 'kysely';
import type { Db, Handle } from './database';
import { logDrain } from './sqlite-direct';

type Work<T> = (trx: Handle) => Promise<T>;
type Queued = { work: Work<unknown>; done(value: unknown): void; fail(error: unknown): void };

/** Units of work committed together at most: a bound on how long one transaction holds the writer. */
const MAX_GROUP = 100;

// Compiled once: each unit of a group runs two of them.
const SAVEPOINT = CompiledQuery.raw('savepoint unit');
const RELEASE = CompiledQuery.raw('release savepoint unit');
const ROLLBACK = CompiledQuery.raw('rollback to savepoint unit');

/**
 * Runs `work` in a transaction and resolves once it is committed, like `db.transaction().execute(work)`.
 *
 * On SQLite the units of work that arrive in one turn of the event loop share one transaction, each in
 * a savepoint of its own: a unit that throws rolls back to its savepoint and fails alone, the others
 * commit. With `synchronous = FULL` every commit syncs the log, which blocks the event loop; concurrent
 * sends (two short transactions each) then share that sync instead of taking turns at it. When idle a
 * unit commits alone, as before. A unit must only run statements on the handle it is given: nothing
 * outside the database may happen inside it, since it may run again on its own if its group fails.
 *
 * On PostgreSQL each unit has its own transaction: the pool runs them side by side, and a group would
 * hold the advisory locks of all its units at once.
 */
export function inTransaction<T>(db: Db, work: Work<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(work);
  let committer = committers.get(db);
  if (!committer) {
    committer = createCommitter(db);
    committers.set(db, committer);
  }
  return committer(work) as Promise<T>;
}

const committers = new WeakMap<Db, (work: Work<unknown>) => Promise<unknown>>();

function createCommitter(db: Db) {
  const queue: Queued[] = [];
  let writing = false;

  async function commitGroup(group: Queued[]): Promise<Array<{ ok: boolean; value: unknown }>> {
    return db.transaction().execute(async (trx) => {
      const results: Array<{ ok: boolean; value: unknown }> = [];
      for (const item of group) {
        await trx.executeQuery(SAVEPOINT);
        try {
          const value = await item.work(trx);
          await trx.executeQuery(RELEASE);
          results.push({ ok: true, value });
        } catch (error) {
          await trx.executeQuery(ROLLBACK);
          await trx.executeQuery(RELEASE);
          results.push({ ok: false, value: error });
        }
      }
      return results;
    });
  }

  async function write(): Promise<void> {
    while (queue.length > 0) {
      const drain = logDrain(db);
      if (drain) await drain;
      const group = queue.splice(0, MAX_GROUP);
      const only = group.length === 1 ? group[0] : undefined;
      if (only) {
        // Alone: its own transaction, exactly as without grouping.
        await db.transaction().execute(only.work).then(only.done, only.fail);
        continue;
      }
      try {
        const results = await commitGroup(group);
        for (const [i, item] of group.entries()) {
          const result = results[i];
          if (result?.ok) item.done(result.value);
          else item.fail(result?.value);
        }
      } catch {
        // The group could not commit (the disk, say): each unit tries again alone and fails alone.
        for (const item of group) await db.transaction().execute(item.work).then(item.done, item.fail);
      }
    }
    writing = false;
  }

  return (work: Work<unknown>) =>
    new Promise<unknown>((done, fail) => {
      queue.push({ work, done, fail });
      // setImmediate, not at once: the units started in this turn of the event loop join the group.
      if (!writing) {
        writing = true;
        setImmediate(write);
      }
    });
}
