import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCallbackWriter, type IngestResult } from '../src/delivery-reports/delivery-reports.service';
import { createLogger } from '../src/logger';
import { optOutRules } from '../src/opt-outs/opt-out-settings';
import { createTestDatabase, DB_KINDS, type DbKind } from './helpers/databases';

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
  it('When callbacks are queued in one turn of the event loop, then one transaction stores them all', async () => {
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
    expect(new Set(rows.map((r) => r.processed_at)).size).toBe(1);
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

  it('When the writer is idle, then a callback is committed on its own and later ones still get written', async () => {
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
