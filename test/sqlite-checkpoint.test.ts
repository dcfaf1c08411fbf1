import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { expect, it, onTestFinished } from 'vitest';
import { parseDatabaseUrl } from '../src/db/database';
import { createTestDatabase } from './helpers/databases';

it('When rows are written to SQLite, then a worker moves them into the database file and the serving connection never checkpoints', async () => {
  const database = await createTestDatabase('sqlite');
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  const target = parseDatabaseUrl(database.url);
  const path = target.kind === 'sqlite' ? target.path : '';

  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
  expect(rows[0]?.wal_autocheckpoint).toBe(0);

  const before = statSync(path).size;
  const payload = 'x'.repeat(4_000);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 500; i++) {
      await trx
        .insertInto('callbacks')
        .values({
          id: `cb-${i}`,
          received_at: '2026-11-28T10:00:00.000Z',
          type: 'unknown',
          batch_id: null,
          client_reference: null,
          payload,
          outcome: 'unknown_type',
          processed_at: null,
        })
        .execute();
    }
  });
  // Committed pages sit in the -wal file until a checkpoint copies them into the database file.
  const deadline = Date.now() + 10_000;
  while (statSync(path).size <= before + 1_000_000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
});
