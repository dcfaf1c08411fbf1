import { describe, expect, it, vi } from 'vitest';
import { preparedQuery } from '../src/db/prepared';
import { DB_KINDS, openTestDatabase } from './helpers/databases';

const insertUnknown = preparedQuery((db, v: { id: string; payload: string }) =>
  db.insertInto('callbacks').values({
    id: v.id,
    received_at: '2026-11-28T10:00:00.000Z',
    type: 'fixed-type',
    batch_id: null,
    client_reference: null,
    payload: v.payload,
    outcome: 'unknown_type',
    processed_at: null,
  }),
);

const payloadOf = preparedQuery((db, v: { id: string }) =>
  db.selectFrom('callbacks').select(['payload', 'type']).where('id', '=', v.id),
);

describe.each(DB_KINDS)('prepared queries on %s', (kind) => {
  it('When one prepared query runs with different values, then each call binds its own and the constants stay', async () => {
    const db = await openTestDatabase(kind);

    await insertUnknown(db, { id: 'a', payload: 'first' });
    await db.transaction().execute((trx) => insertUnknown(trx, { id: 'b', payload: 'second' }));

    expect((await payloadOf(db, { id: 'a' })).rows).toEqual([{ payload: 'first', type: 'fixed-type' }]);
    expect((await payloadOf(db, { id: 'b' })).rows).toEqual([{ payload: 'second', type: 'fixed-type' }]);
    expect((await payloadOf(db, { id: 'c' })).rows).toEqual([]);
  });

  it('When a prepared query runs in a transaction that then fails, then its write is rolled back with it', async () => {
    const db = await openTestDatabase(kind);

    const failed = db.transaction().execute(async (trx) => {
      await insertUnknown(trx, { id: 'gone', payload: 'rolled back' });
      expect((await payloadOf(trx, { id: 'gone' })).rows).toHaveLength(1);
      throw new Error('the transaction fails');
    });

    await expect(failed).rejects.toThrow('the transaction fails');
    expect((await payloadOf(db, { id: 'gone' })).rows).toEqual([]);
  });

  it('When a prepared insert runs, then it reports one affected row, in a transaction or not', async () => {
    const db = await openTestDatabase(kind);

    const alone = await insertUnknown(db, { id: 'x', payload: 'p' });
    const inside = await db.transaction().execute((trx) => insertUnknown(trx, { id: 'y', payload: 'p' }));

    expect(alone.numAffectedRows).toBe(1n);
    expect(inside.numAffectedRows).toBe(1n);
  });
});

describe('prepared queries on SQLite, inside a transaction', () => {
  it("When a prepared query runs in a SQLite transaction, then it runs on the connection without Kysely's executor", async () => {
    const db = await openTestDatabase('sqlite');

    const calls = await db.transaction().execute(async (trx) => {
      const executeQuery = vi.spyOn(trx.getExecutor(), 'executeQuery');
      await insertUnknown(trx, { id: 'direct', payload: 'p' });
      await payloadOf(trx, { id: 'direct' });
      return executeQuery.mock.calls.length;
    });

    expect(calls).toBe(0);
    expect((await payloadOf(db, { id: 'direct' })).rows).toEqual([{ payload: 'p', type: 'fixed-type' }]);
  });
});
