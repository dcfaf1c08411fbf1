import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCallbackWriter, type IngestResult } from '../src/callbacks/callback-writer';
import { openDatabase, parseDatabaseUrl } from '../src/db/database';
import { createLogger } from '../src/logger';
import { insertPendingMessage } from '../src/messages/messages.repository';
import { optOutRules } from '../src/opt-outs/opt-out-settings';
import { recordBatch } from '../src/tracking';
import { createTestDatabase, DB_KINDS, type DbKind, PG_URL } from './helpers/databases';
import { moText, recipientReport } from './helpers/opt-outs';

const POISON = '01JPOISON00000000000000000';
const log = createLogger('silent');

function unknownBatchReport(batchId: string) {
  return {
    type: 'recipient_delivery_report_sms',
    batch_id: batchId,
    recipient: '15551234567',
    status: 'Delivered',
    code: 0,
    at: '2026-11-28T10:00:05.000Z',
  };
}

async function openFresh(kind: DbKind) {
  const database = await createTestDatabase(kind);
  const db = await database.open();
  onTestFinished(async () => {
    await db.destroy();
    await database.drop();
  });
  return db;
}

/** A trigger that refuses to store one batch id: a callback whose own write fails, whatever the cause. */
async function refuseBatch(kind: DbKind, db: Awaited<ReturnType<typeof openFresh>>, batchId: string) {
  if (kind === 'sqlite') {
    await sql
      .raw(
        `create trigger poison before insert on callbacks when new.batch_id = '${batchId}' ` +
          `begin select raise(abort, 'poisoned callback'); end`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create function poison() returns trigger language plpgsql as $$ begin ` +
        `if new.batch_id = '${batchId}' then raise exception 'poisoned callback'; end if; return new; end $$`,
    )
    .execute(db);
  await sql
    .raw('create trigger poison before insert on callbacks for each row execute function poison()')
    .execute(db);
}

describe.each(DB_KINDS)('the callback writer on %s', (kind) => {
  it('When callbacks are queued in one turn of the event loop, then all are stored, on SQLite in one transaction', async () => {
    const db = await openFresh(kind);
    const writer = createCallbackWriter(db, optOutRules(undefined));

    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const payload = unknownBatchReport(`01JGROUP${String(i).padStart(18, '0')}`);
        return writer.ingest(payload, JSON.stringify(payload), log);
      }),
    );

    expect(results.map((r: IngestResult) => r.outcome)).toEqual(Array(30).fill('unmatched'));
    const rows = await db.selectFrom('callbacks').select(['batch_id', 'processed_at']).execute();
    expect(rows).toHaveLength(30);
    // Every row of a transaction carries its one commit time.
    if (kind === 'sqlite') expect(new Set(rows.map((r) => r.processed_at)).size).toBe(1);
  });

  it('When one callback of a group cannot be stored, then it alone fails and the others are stored', async () => {
    const db = await openFresh(kind);
    await refuseBatch(kind, db, POISON);
    const writer = createCallbackWriter(db, optOutRules(undefined));
    const batchIds = Array.from({ length: 10 }, (_, i) =>
      i === 4 ? POISON : `01JGOOD${String(i).padStart(19, '0')}`,
    );

    const settled = await Promise.allSettled(
      batchIds.map((batchId) => {
        const payload = unknownBatchReport(batchId);
        return writer.ingest(payload, JSON.stringify(payload), log);
      }),
    );

    expect(settled.map((s) => s.status)).toEqual(
      batchIds.map((id) => (id === POISON ? 'rejected' : 'fulfilled')),
    );
    const stored = await db.selectFrom('callbacks').select('batch_id').orderBy('batch_id').execute();
    expect(stored.map((r) => r.batch_id)).toEqual(batchIds.filter((id) => id !== POISON).sort());
  });

  it('When callbacks come one after another, each waiting for the last, then every one is written', async () => {
    const db = await openFresh(kind);
    const writer = createCallbackWriter(db, optOutRules(undefined));

    for (let i = 0; i < 3; i++) {
      const payload = unknownBatchReport(`01JALONE${String(i).padStart(18, '0')}`);
      await writer.ingest(payload, JSON.stringify(payload), log);
    }

    const rows = await db.selectFrom('callbacks').select('id').execute();
    expect(rows).toHaveLength(3);
  });
});

async function deadlocksSoFar(): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select deadlocks from pg_stat_database where datname = current_database()',
    );
    return Number(rows[0]?.deadlocks ?? 0);
  } finally {
    await client.end();
  }
}

describe.runIf(DB_KINDS.includes('postgres'))('the callback writer, two instances on one PostgreSQL', () => {
  it('When their callbacks take number and batch locks in crossing orders, then every one is stored and none deadlocks', async () => {
    const database = await createTestDatabase('postgres');
    const one = await database.open();
    const two = await openDatabase(parseDatabaseUrl(database.url));
    onTestFinished(async () => {
      await two.destroy();
      await one.destroy();
      await database.drop();
    });
    const writers = [
      createCallbackWriter(one, optOutRules(undefined)),
      createCallbackWriter(two, optOutRules(undefined)),
    ];
    const ingest = (w: number, payload: object) =>
      writers[w]?.ingest(payload as Record<string, unknown>, JSON.stringify(payload), log);
    const before = await deadlocksSoFar();

    for (let round = 0; round < 3; round++) {
      const [n1, n2] = [`1555100${round}000`, `1555200${round}000`];
      const now = new Date().toISOString();
      for (const [id, batchId, number] of [
        [`m${round}b`, `01JLOCKB${round}`, n2],
        [`m${round}c`, `01JLOCKC${round}`, n1],
      ] as const) {
        await one.transaction().execute(async (trx) => {
          await insertPendingMessage(
            trx,
            {
              id,
              client_reference: id,
              sender: '+1',
              body: 'x',
              delivery_report: 'per_recipient',
              send_at: null,
              expire_at: null,
              encoding: 'GSM',
              parts: 1,
            },
            [number],
            now,
          );
        });
        await recordBatch(one, { id, clientReference: id }, { id: batchId, expireAt: null }, { log });
      }
      // STOP from one number with a 257 report for the other, crossed between the two instances.
      const settled = await Promise.allSettled([
        ingest(0, moText(`+${n1}`, 'STOP')),
        ingest(0, recipientReport(`01JLOCKB${round}`, n2, 'Failed', 257)),
        ingest(1, moText(`+${n2}`, 'STOP')),
        ingest(1, recipientReport(`01JLOCKC${round}`, n1, 'Failed', 257)),
      ]);
      expect(settled.map((s) => s.status)).toEqual(Array(4).fill('fulfilled'));
    }

    expect(await deadlocksSoFar()).toBe(before);
  });
});
