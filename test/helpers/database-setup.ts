import pg from 'pg';

/** PostgreSQL for tests; CI has one at this address with trust auth. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** What the global set-up made once for the whole run, handed to every test file. */
export type TestRun = {
  /** A migrated SQLite file; each test database is a copy. */
  sqliteTemplate: string;
  /** The shape of a freshly migrated PostgreSQL schema; null when PostgreSQL did not answer. */
  postgresFingerprint: string | null;
};

/** The URL of one schema of one database of the test PostgreSQL server. */
export function schemaUrl(database: string, schema: string): string {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

// Arbitrary: the first key of the advisory locks that lease the test databases.
const LEASE_KEY = 0x5a5d;

/**
 * A database of the test server that nobody else uses while the lease is held: `sms_test_<n>`, made the
 * first time and kept for later runs. Each worker of a run (and of runs going on at the same time)
 * holds its own, so a schema dropped in one never races the catalog scans of migrations in another.
 * The lease is a session advisory lock: it ends with `release()` or when the process dies.
 */
export async function leaseDatabase(): Promise<{ name: string; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: PG_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    for (let n = 1; n <= 64; n++) {
      const { rows } = await client.query<{ got: boolean }>('select pg_try_advisory_lock($1, $2) as got', [
        LEASE_KEY,
        n,
      ]);
      if (!rows[0]?.got) continue;
      const name = `sms_test_${n}`;
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database ${name}`);
      return { name, release: () => client.end() };
    }
    throw new Error('all 64 test databases are leased');
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

/**
 * Every object of a schema (relations, columns, constraints, triggers, functions), as one text with the
 * schema's name taken out: two schemas with equal fingerprints have the same shape. Empty if it is missing.
 */
export async function schemaFingerprint(client: pg.ClientBase, schema: string): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string | null }>(
    `select string_agg(replace(item, $1::text || '.', ''), E'\\n' order by item) as fingerprint from (
       select 'relation ' || c.relkind::text || ' ' || c.relname as item
         from pg_class c where c.relnamespace = to_regnamespace($1)
       union all
       select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
              || ' ' || coalesce(column_default, '')
         from information_schema.columns where table_schema = $1::text
       union all
       select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
         from pg_constraint where connamespace = to_regnamespace($1)
       union all
       select 'index ' || indexdef from pg_indexes where schemaname = $1::text
       union all
       select 'trigger ' || t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid
         where c.relnamespace = to_regnamespace($1) and not t.tgisinternal
       union all
       select 'function ' || p.proname from pg_proc p where p.pronamespace = to_regnamespace($1)
     ) items`,
    [schema],
  );
  return rows[0]?.fingerprint ?? '';
}

/** Empties every table of a migrated schema but Kysely's own, and restarts its sequences. */
export async function truncateSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select quote_ident(relname) as name from pg_class
      where relnamespace = to_regnamespace($1) and relkind in ('r', 'p')
        and relname not in ('kysely_migration', 'kysely_migration_lock')`,
    [schema],
  );
  if (rows.length === 0) return;
  const tables = rows.map(({ name }) => `${schema}.${name}`).join(', ');
  await client.query(`truncate table ${tables} restart identity cascade`);
}
