import { describe, expect, it, onTestFinished } from 'vitest';
import { preparedQuery } from '../src/db/prepared';
import { createTestDatabase, DB_KINDS } from './helpers/databases';

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
    const database = await createTestDatabase(kind);
    const db = await database.open();
    onTestFinished(async () => {
      await db.destroy();
      await database.drop();
    });

    await insertUnknown(db, { id: 'a', payload: 'first' });
    await db.transaction().execute((trx) => insertUnknown(trx, { id: 'b', payload: 'second' }));

    expect((await payloadOf(db, { id: 'a' })).rows).toEqual([{ payload: 'first', type: 'fixed-type' }]);
    expect((await payloadOf(db, { id: 'b' })).rows).toEqual([{ payload: 'second', type: 'fixed-type' }]);
    expect((await payloadOf(db, { id: 'c' })).rows).toEqual([]);
  });
});
