import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { expect, it, onTestFinished, vi } from 'vitest';
import { createCallbackWriter } from '../src/callbacks/callback-writer';
import { parseDatabaseUrl } from '../src/db/database';
import { createLogger } from '../src/logger';
import { optOutRules } from '../src/opt-outs/opt-out-settings';
import { createTestDatabase } from './helpers/databases';

async function openSqlite() {
  const database = await createTestDatabase('sqlite');
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  const target = parseDatabaseUrl(database.url);
  return { db, path: target.kind === 'sqlite' ? target.path : '' };
}

const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

it('When rows are written to SQLite, then a worker copies them into the database file before the connection checkpoints', async () => {
  const { db, path } = await openSqlite();
  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
  // The serving connection's own checkpoint, at 1,000 log pages, stays on as the backstop.
  expect(rows[0]?.wal_autocheckpoint).toBe(1000);

  const before = statSync(path).size;
  const payload = 'x'.repeat(4_000);
  // About 520 pages: under the connection's threshold, so only the worker can copy them.
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
  await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 1_000_000), {
    timeout: 9_000,
    interval: 20,
  });
});

it('When callbacks are written without pause, then the -wal file stays bounded instead of growing with them', async () => {
  const { db, path } = await openSqlite();
  const writer = createCallbackWriter(db, optOutRules(undefined));
  const log = createLogger('silent');
  const end = Date.now() + 3_000;
  let n = 0;
  const client = async () => {
    while (Date.now() < end) {
      const payload = {
        type: 'recipient_delivery_report_sms',
        batch_id: `01JWAL${String(n++).padStart(20, '0')}`,
        recipient: '15551234567',
        status: 'Delivered',
        code: 0,
        at: '2026-11-28T10:00:05.000Z',
      };
      await writer.ingest(payload, JSON.stringify(payload).padEnd(1_500), log);
    }
  };
  await Promise.all(Array.from({ length: 50 }, client));

  // SQLite starts the log over once a checkpoint has copied all of it: about 4 MB at 1,000 pages.
  expect(n).toBeGreaterThan(1_000);
  expect(sizeOf(`${path}-wal`)).toBeLessThan(16_000_000);
});
