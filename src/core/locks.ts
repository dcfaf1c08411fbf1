import { PostgresAdapter, type QueryExecutorProvider, sql } from 'kysely';

/** The database or a transaction on it (db/database's Handle), typed here so core imports nothing of ours. */
type Handle = QueryExecutorProvider;

/**
 * Transaction-scoped locks on PostgreSQL, released at commit or rollback. SQLite runs one transaction
 * at a time already, so there they cost nothing.
 */
async function advisoryLock(db: Handle, key: string): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
  }
}

/**
 * Serialises, per batch id, the transaction that stores a batch with those that match reports to it.
 * Without it, on PostgreSQL a report could look for its batch just before the batch is committed
 * while the batch looks for waiting reports just before the report is committed: neither would see
 * the other.
 */
export function lockBatch(db: Handle, batchId: string): Promise<void> {
  return advisoryLock(db, batchId);
}

/** Numbers are locked by stripe: a transaction holds at most this many locks for numbers, however many it names. */
const NUMBER_STRIPES = 64;
/** The first key of the two-key advisory locks of number stripes ('num'); one-key locks never clash with them. */
export const NUMBER_LOCK_SPACE = 0x6e756d;

/** FNV-1a of the digits, folded onto the stripes: the same number maps to the same stripe in every instance. */
export function stripeOf(msisdn: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < msisdn.length; i += 1) {
    hash ^= msisdn.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % NUMBER_STRIPES;
}

/**
 * Serialises changes that depend on a number (its opt-out state, its hourly send count) across
 * transactions, so a check and the write it leads to see every committed change. One statement takes
 * the stripes of all the numbers, in ascending order (so two transactions cannot deadlock on them), and
 * never more than NUMBER_STRIPES of them: a report naming 1,000 numbers holds 64 locks at most, not
 * 1,000 entries in PostgreSQL's shared lock table (issue 13 item 4). Two numbers of one stripe wait for
 * each other, which costs a little concurrency and nothing in correctness.
 *
 * The order holds only within one call: a transaction must take all its stripes in one call (more calls
 * may follow only for stripes it already holds, which are granted at once). A second call wanting a lower
 * stripe than one held could deadlock with a transaction taking both in order. Every stripe lock comes
 * after the batch lock, if any, of its transaction (lockBatch first, as tracking and reapply do).
 */
export async function lockNumbers(db: Handle, msisdns: Iterable<string>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const stripes = [...new Set([...msisdns].map(stripeOf))].sort((a, b) => a - b);
  if (stripes.length === 0) return;
  // unnest keeps the array's order, so the locks are taken in it.
  await sql`select pg_advisory_xact_lock(${NUMBER_LOCK_SPACE}::int, s) from unnest(${stripes}::int[]) as s`.execute(
    db,
  );
}

/** lockNumbers for one number. */
export function lockNumber(db: Handle, msisdn: string): Promise<void> {
  return lockNumbers(db, [msisdn]);
}
