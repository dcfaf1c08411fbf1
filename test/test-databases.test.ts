import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../src/db/database';
import { createTestDatabase, DB_KINDS, type DbKind } from './helpers/databases';

// The suite migrates once and reuses databases: these pin that no test sees what an earlier one left.
async function takeAndOpen(kind: DbKind) {
  const database = await createTestDatabase(kind);
  const db = await database.open();
  return {
    db,
    giveBack: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

const optOut = { msisdn: '+15551234567', source: 'api', reason: 'test', created_at: 'x', updated_at: 'x' };

describe.each(DB_KINDS)('test databases on %s', (kind) => {
  it('When a database is given back and another taken, then the new one is empty', async () => {
    const first = await takeAndOpen(kind);
    await first.db.insertInto('opt_outs').values(optOut).execute();
    await first.db
      .insertInto('callbacks')
      .values({ id: 'cb1', received_at: 'x', payload: '{}', outcome: 'invalid' })
      .execute();
    await first.giveBack();

    const second = await takeAndOpen(kind);
    onTestFinished(second.giveBack);
    expect(await second.db.selectFrom('opt_outs').selectAll().execute()).toEqual([]);
    expect(await second.db.selectFrom('callbacks').selectAll().execute()).toEqual([]);
  });

  it('When two databases are held at once, then what is written to one is not in the other', async () => {
    const one = await takeAndOpen(kind);
    onTestFinished(one.giveBack);
    const two = await takeAndOpen(kind);
    onTestFinished(two.giveBack);

    await one.db.insertInto('opt_outs').values(optOut).execute();

    expect(await two.db.selectFrom('opt_outs').selectAll().execute()).toEqual([]);
  });
});

describe.runIf(DB_KINDS.includes('postgres'))('test databases on PostgreSQL, reused', () => {
  it('When a test adds a trigger and a table, then the next database taken has neither', async () => {
    const first = await takeAndOpen('postgres');
    await sql`create table leftover (id int)`.execute(first.db);
    await sql`create function leftover_fn() returns trigger language plpgsql as $$ begin return new; end $$`.execute(
      first.db,
    );
    await sql`create trigger leftover_trigger before insert on opt_outs for each row execute function leftover_fn()`.execute(
      first.db,
    );
    await first.giveBack();

    const second = await takeAndOpen('postgres');
    onTestFinished(second.giveBack);
    const { rows } = await sql<{ name: string }>`
      select relname as name from pg_class where relnamespace = current_schema()::regnamespace and relname = 'leftover'
      union all
      select tgname from pg_trigger where tgname = 'leftover_trigger'
        and tgrelid in (select oid from pg_class where relnamespace = current_schema()::regnamespace)
      union all
      select proname from pg_proc where proname = 'leftover_fn' and pronamespace = current_schema()::regnamespace
    `.execute(second.db);
    expect(rows).toEqual([]);
  });
});

describe('opening a SQLite database', () => {
  it('When its folder does not exist, then the folders are made and the file is migrated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sms-open-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'nested', 'deeper', 'sms.sqlite');

    const db = await openDatabase({ kind: 'sqlite', path });
    onTestFinished(() => db.destroy());

    expect(existsSync(path)).toBe(true);
    expect(await db.selectFrom('opt_outs').selectAll().execute()).toEqual([]);
  });
});
