import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db/group-commit';
import { DB_KINDS, openTestDatabase } from './helpers/databases';

const row = (id: string) => ({
  id,
  received_at: '2026-12-02T10:00:00.000Z',
  type: 'group-commit-test',
  batch_id: null,
  client_reference: null,
  payload: '{}',
  outcome: 'unknown_type',
  processed_at: null,
});

describe.each(DB_KINDS)('transactions started together on %s', (kind) => {
  it('When several start in one turn and one throws, then the others are committed and only its writes are undone', async () => {
    const db = await openTestDatabase(kind);

    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((id) =>
        inTransaction(db, async (trx) => {
          await trx
            .insertInto('callbacks')
            .values(row(`gc-${id}`))
            .execute();
          await trx
            .insertInto('callbacks')
            .values(row(`gc-${id}-2`))
            .execute();
          if (id === 'b') throw new Error('refused');
          return id;
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results[1]?.status === 'rejected' && (results[1].reason as Error).message).toBe('refused');
    const { rows } = await sql<{
      id: string;
    }>`select id from callbacks where type = 'group-commit-test' order by id`.execute(db);
    expect(rows.map((r) => r.id)).toEqual(['gc-a', 'gc-a-2', 'gc-c', 'gc-c-2', 'gc-d', 'gc-d-2']);
  });

  it('When one runs alone, then it resolves with its value once committed, as a plain transaction does', async () => {
    const db = await openTestDatabase(kind);

    const value = await inTransaction(db, async (trx) => {
      await trx.insertInto('callbacks').values(row('gc-alone')).execute();
      return 42;
    });
    expect(value).toBe(42);
    const found = await db.selectFrom('callbacks').select('id').where('id', '=', 'gc-alone').execute();
    expect(found).toHaveLength(1);
  });
});
