import { readFileSync } from 'node:fs';
import { CompiledQuery } from 'kysely';
import { expect, it } from 'vitest';
import type { Db } from '../src/db/database';
import { claimDue } from '../src/events/claims.repository';
import { findMessagesToReconcile } from '../src/reconciliation/reconciliation.repository';
import { findUnmatchedCallbacks } from '../src/tracking/waiting-reports.repository';
import { openTestDatabase } from './helpers/databases';

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
  const db = await openTestDatabase('sqlite');
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

it('When the dispatcher claims events, then SQLite reads the claim index per endpoint, never the whole outbox', async () => {
  const db = await openSqlite();
  await db
    .insertInto('event_endpoints')
    .values({ id: 'ep_a', url: 'https://a.example/h', source: 'api', created_at: '2026-12-02T09:00:00Z' })
    .execute();
  const slots = { room: 16, perEndpoint: 4, busy: new Map<string, number>() };
  // The last query of a claim: the due deliveries of the last endpoint looked at.
  const plan = await planOf(db, (d) =>
    claimDue(d, 'owner', '2026-12-02T10:00:00Z', '2026-12-02T10:00:30Z', slots),
  );
  expect(plan).toContain('SEARCH d USING INDEX event_deliveries_claim');
  expect(plan).toContain('SEARCH o USING INDEX event_deliveries_order');
  expect(plan).not.toMatch(/SCAN (d|event_deliveries)\b(?! USING)/);
});

it('When the backlog metric is taken, then SQLite counts the pending deliveries from an index', async () => {
  const db = await openSqlite();
  const plans: string[] = [];
  for (const query of [
    "select count(*) as n from event_deliveries where status = 'pending'",
    "select min(created_at) as oldest from event_deliveries where status = 'pending'",
  ]) {
    const { rows } = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query}`),
    );
    plans.push(rows.map((row) => row.detail).join('\n'));
  }
  expect(plans[0]).toMatch(/USING COVERING INDEX event_deliveries_/);
  expect(plans[1]).toContain('SEARCH event_deliveries USING COVERING INDEX event_deliveries_pending_age');
  // The queries above are the ones outboxBacklog runs.
  const source = readFileSync(new URL('../src/events/deliveries.repository.ts', import.meta.url), 'utf8');
  expect(source).toContain("eb.fn.countAll<number>().as('n'))\n    .where('status', '=', 'pending')");
});
