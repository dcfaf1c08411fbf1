import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject, onTestFinished } from 'vitest';
import { type Db, openDatabase, parseDatabaseUrl } from '../../src/db/database';
import { leaseDatabase, PG_URL, schemaFingerprint, schemaUrl, truncateSchema } from './database-setup';

export { PG_URL };

export type DbKind = 'sqlite' | 'postgres';

const run = inject('testRun');

/** The databases every storage test runs against: SQLite always, PostgreSQL where one is reachable. */
export const DB_KINDS: DbKind[] = run.postgresFingerprint === null ? ['sqlite'] : ['sqlite', 'postgres'];

export type TestDatabase = { kind: DbKind; url: string; open(): Promise<Db>; drop(): Promise<void> };

/**
 * An empty, migrated database of its own: a copy of the run's migrated SQLite file in a temp folder, or
 * a PostgreSQL schema of this worker, emptied. Nothing is migrated per test. `drop()` gives it back.
 */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  return kind === 'sqlite' ? sqliteDatabase() : postgresDatabase();
}

/** createTestDatabase, opened, closed and given back when the test ends. */
export async function openTestDatabase(kind: DbKind): Promise<Db> {
  const database = await createTestDatabase(kind);
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  return db;
}

function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'sms-db-'));
  const path = join(dir, 'sms.sqlite');
  copyFileSync(run.sqliteTemplate, path);
  const url = `sqlite:${path}`;
  return {
    kind: 'sqlite',
    url,
    open: () => openDatabase(parseDatabaseUrl(url)),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// PostgreSQL: the worker leases a database of its own and keeps migrated schemas in it ("slots"), one
// per database a test holds at the same time. A slot is handed out emptied; one whose shape differs from
// a fresh migration (a trigger a test added, an older run's schema) is dropped and migrated again.
type Worker = { database: string; admin: pg.Pool; release(): Promise<void> };
let worker: Promise<Worker> | undefined;
const slotsInUse = new Set<number>();

function leaseForThisWorker(): Promise<Worker> {
  worker ??= leaseDatabase().then((lease) => {
    const admin = new pg.Pool({ connectionString: schemaUrl(lease.name, 'public'), max: 1 });
    admin.on('error', () => {});
    return {
      database: lease.name,
      admin,
      release: async () => {
        await admin.end();
        await lease.release();
      },
    };
  });
  return worker;
}

/** Gives back this file's PostgreSQL lease (the setup file calls it after the last test). */
export async function releaseTestDatabases(): Promise<void> {
  const leased = worker;
  worker = undefined;
  if (leased) await (await leased).release();
}

async function postgresDatabase(): Promise<TestDatabase> {
  const fingerprint = run.postgresFingerprint;
  if (fingerprint === null) throw new Error('PostgreSQL is not reachable: this test should not run');
  const { database, admin } = await leaseForThisWorker();
  let slot = 0;
  while (slotsInUse.has(slot)) slot++;
  slotsInUse.add(slot);
  const schema = `slot_${slot}`;
  const url = schemaUrl(database, schema);
  try {
    await prepareSlot(admin, schema, url, fingerprint);
  } catch (error) {
    slotsInUse.delete(slot);
    throw error;
  }
  let dropped = false;
  return {
    kind: 'postgres',
    url,
    open: () => openDatabase(parseDatabaseUrl(url)),
    drop: async () => {
      if (!dropped) slotsInUse.delete(slot);
      dropped = true;
    },
  };
}

async function prepareSlot(admin: pg.Pool, schema: string, url: string, fingerprint: string) {
  const client = await admin.connect();
  try {
    // A lock a test left behind fails the next test loudly instead of hanging it.
    await client.query(`set lock_timeout = '5s'`);
    if ((await schemaFingerprint(client, schema)) === fingerprint) {
      await truncateSchema(client, schema);
      return;
    }
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.query(`create schema ${schema}`);
    const db = await openDatabase(parseDatabaseUrl(url));
    await db.destroy();
  } finally {
    client.release();
  }
}
