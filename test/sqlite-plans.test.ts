import { CompiledQuery } from 'kysely';
import { expect, it, onTestFinished } from 'vitest';
import type { Db } from '../src/db/database';
import { findMessagesToReconcile } from '../src/reconciliation/reconciliation.repository';
import { findUnmatchedCallbacks } from '../src/tracking/waiting-reports.repository';
import { createTestDatabase } from './helpers/databases';

/** SQLite's plan for the query a repository function runs, with its parameters bound. */
async function planOf(db: Db, run: (db: Db) => Promise<unknown>): Promise<string> {
  let query: CompiledQuery | undefined;
  const spy = db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => args.result,
  });
  const executor = spy.getExecutor();
  const execute = executor.executeQuery.bind(executor);
  executor.executeQuery = (compiled) => {
    query = compiled;
    return execute(compiled);
  };
  await run(spy);
  if (!query) throw new Error('no query ran');
  const { rows } = await db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
  );
  return rows.map((row) => row.detail).join('\n');
}

async function openSqlite(): Promise<Db> {
  const database = await createTestDatabase('sqlite');
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  return db;
}

it('When unmatched callbacks are looked up, then SQLite searches the two partial indexes, never the whole log', async () => {
  const db = await openSqlite();
  const plan = await planOf(db, (d) => findUnmatchedCallbacks(d, 'B', 'R'));
  expect(plan).toContain('USING INDEX callbacks_unmatched_batch_id');
  expect(plan).toContain('USING INDEX callbacks_unmatched_reference');
  expect(plan).not.toMatch(/SCAN callbacks/);
});

it('When the sweep looks for open recipients, then SQLite reads the partial index of open recipients', async () => {
  const db = await openSqlite();
  const plan = await planOf(db, (d) =>
    findMessagesToReconcile(d, '2026-11-28T10:00:00Z', '2026-11-28T09:50:00Z', 10),
  );
  expect(plan).toContain('USING INDEX recipients_open');
});
