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

/**
 * Serialises changes that depend on one number (its opt-out state, its hourly send count) across
 * transactions, so a check and the write it leads to see every committed change. Take several in
 * sorted order, so two transactions cannot deadlock.
 */
export function lockNumber(db: Handle, msisdn: string): Promise<void> {
  return advisoryLock(db, `opt-out:${msisdn}`);
}
