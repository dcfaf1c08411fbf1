import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openDatabase, parseDatabaseUrl } from '../../src/db/database';

export type DbKind = 'sqlite' | 'postgres';

/** PostgreSQL for tests; CI has one at this address with trust auth. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgUp = await postgresReachable();
if (!pgUp) {
  if (process.env.CI)
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must run the PostgreSQL tests`);
  console.warn(
    `\n*** PostgreSQL is not reachable at ${PG_URL}: the PostgreSQL variants of the tests are SKIPPED ***\n`,
  );
}

/** The databases every storage test runs against: SQLite always, PostgreSQL where one is reachable. */
export const DB_KINDS: DbKind[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite'];

export type TestDatabase = { kind: DbKind; url: string; open(): Promise<Db>; drop(): Promise<void> };

/** A fresh, empty database: a SQLite file in a temp folder, or a PostgreSQL schema of its own. */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sms-db-'));
    const url = `sqlite:${join(dir, 'nested', 'sms.sqlite')}`;
    return {
      kind,
      url,
      open: () => openDatabase(parseDatabaseUrl(url)),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    kind,
    url,
    open: () => openDatabase(parseDatabaseUrl(url)),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}
