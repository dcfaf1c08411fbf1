import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Db } from '../db/database';
import type { Database } from '../db/schema';

/** Makes one store per limiter (express-rate-limit refuses a store shared by two), keys under `prefix`. */
export type RateLimitStores = {
  /** Where the counts live, for the start-up log: `database` or `redis`. */
  kind: 'database' | 'redis';
  create(prefix: string): Store;
  close(): Promise<void>;
};

/** How often, at most, expired counters are deleted. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Fixed-window counters in the database, so every instance on it counts against the same limit. One
 * statement per request: it starts a new window when the stored one has ended, else adds one, and
 * returns the count. On SQLite the table is in the attached `limits` file (unsynced); on PostgreSQL it is
 * unlogged: neither waits for a disk flush.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private lastSweep = 0;
  private readonly table: Kysely<Database>;

  constructor(
    db: Db,
    readonly prefix: string,
  ) {
    this.table = db.getExecutor().adapter instanceof SqliteAdapter ? db.withSchema('limits') : db;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = Date.now();
    const resetAt = now + this.windowMs;
    const row = await this.table
      .insertInto('rate_limit_hits')
      .values({ key: this.prefix + key, hits: 1, reset_at: resetAt })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql`case when rate_limit_hits.reset_at <= ${now} then 1 else rate_limit_hits.hits + 1 end`,
          reset_at: sql`case when rate_limit_hits.reset_at <= ${now} then ${resetAt} else rate_limit_hits.reset_at end`,
        }),
      )
      .returning(['hits', 'reset_at'])
      .executeTakeFirstOrThrow();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      void this.table
        .deleteFrom('rate_limit_hits')
        .where('reset_at', '<=', now)
        .execute()
        .catch(() => {});
    }
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.reset_at)) };
  }

  async decrement(key: string): Promise<void> {
    await this.table
      .updateTable('rate_limit_hits')
      .set({ hits: sql`case when hits > 0 then hits - 1 else 0 end` })
      .where('key', '=', this.prefix + key)
      .execute();
  }

  async resetKey(key: string): Promise<void> {
    await this.table
      .deleteFrom('rate_limit_hits')
      .where('key', '=', this.prefix + key)
      .execute();
  }
}

export function databaseRateLimitStores(db: Db): RateLimitStores {
  return {
    kind: 'database',
    create: (prefix) => new DatabaseRateLimitStore(db, prefix),
    close: async () => {},
  };
}
