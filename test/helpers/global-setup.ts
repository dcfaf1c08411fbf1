import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, parseDatabaseUrl } from '../../src/db/database';
import { leaseDatabase, PG_URL, schemaFingerprint, schemaUrl, type TestRun } from './database-setup';

declare module 'vitest' {
  export interface ProvidedContext {
    testRun: TestRun;
  }
}

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

/** Migrates a SQLite file once; every test database starts as a copy of it. */
async function sqliteTemplate(dir: string): Promise<string> {
  const path = join(dir, 'template.sqlite');
  const db = await openDatabase({ kind: 'sqlite', path });
  await db.destroy();
  // Closing the last connection folds the write-ahead log into the file; a copy of the file is then whole.
  if (existsSync(`${path}-wal`)) throw new Error('the SQLite template kept a -wal file after closing');
  return path;
}

/** Migrates a PostgreSQL schema from nothing and records its shape: test schemas are checked against it. */
async function postgresFingerprint(): Promise<string> {
  const lease = await leaseDatabase();
  const admin = new pg.Client({ connectionString: schemaUrl(lease.name, 'public') });
  await admin.connect();
  try {
    await admin.query('drop schema if exists reference cascade');
    await admin.query('create schema reference');
    const db = await openDatabase(parseDatabaseUrl(schemaUrl(lease.name, 'reference')));
    await db.destroy();
    return await schemaFingerprint(admin, 'reference');
  } finally {
    await admin.end();
    await lease.release();
  }
}

/**
 * Once per `vitest run`: migrates the SQLite template and checks PostgreSQL, which the PostgreSQL
 * variants of the tests need; with CI set, PostgreSQL being down fails the run instead of skipping them.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'sms-template-'));
  const pgUp = await postgresReachable();
  if (!pgUp) {
    if (process.env.CI)
      throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must run the PostgreSQL tests`);
    console.warn(
      `\n*** PostgreSQL is not reachable at ${PG_URL}: the PostgreSQL variants of the tests are SKIPPED ***\n`,
    );
  }
  const run: TestRun = {
    sqliteTemplate: await sqliteTemplate(dir),
    postgresFingerprint: pgUp ? await postgresFingerprint() : null,
  };
  project.provide('testRun', run);
  return () => rmSync(dir, { recursive: true, force: true });
}
