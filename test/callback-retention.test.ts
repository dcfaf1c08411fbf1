import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { newBudget, purgeCallbacks } from '../src/callbacks/callback-retention';
import type { Db } from '../src/db/database';
import { makeTestApp, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

// Issue 13 item 3: the callback log keeps applied callbacks for CALLBACK_RETENTION_DAYS, unapplied ones
// for CALLBACK_UNAPPLIED_RETENTION_DAYS and up to CALLBACK_UNAPPLIED_MAX_MB.

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-02T12:00:00.000Z');
let seq = 0;

/** A UUIDv7-shaped id of the millisecond `ms`, as the writer would have made it then (core/ids.ts). */
function idAt(ms: number): string {
  seq += 1;
  const hex = ms.toString(16).padStart(12, '0');
  const tail = seq.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${tail}`;
}

async function store(db: Db, ageDays: number, outcome: string, bytes = 100, count = 1): Promise<void> {
  const rows = Array.from({ length: count }, () => ({
    id: idAt(NOW - ageDays * DAY),
    received_at: new Date(NOW - ageDays * DAY).toISOString(),
    type: 'x',
    batch_id: null,
    client_reference: null,
    payload: 'p'.repeat(bytes),
    payload_bytes: bytes,
    outcome,
    processed_at: null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('callbacks')
      .values(rows.slice(i, i + 500))
      .execute();
}

const outcomes = async (db: Db) =>
  (await db.selectFrom('callbacks').select('outcome').orderBy('id').execute()).map((row) => row.outcome);

const retention = { appliedMs: 30 * DAY, unappliedMs: 90 * DAY, unappliedMaxBytes: 0 };

describe.each(DB_KINDS)('The callback log purge, on %s', (kind) => {
  it('When applied callbacks pass 30 days and unapplied ones 90, then those are deleted and the rest kept', async () => {
    const { db } = await makeTestApp({ db: kind });
    await store(db, 31, 'applied');
    await store(db, 31, 'unknown_type');
    await store(db, 91, 'unmatched');
    await store(db, 29, 'summary');
    await store(db, 1, 'invalid');

    const result = await purgeCallbacks(db, retention, newBudget(0), NOW);

    expect(result).toEqual({ applied: 1, unapplied: 1, keptUnappliedBytes: 200 });
    expect(await outcomes(db)).toEqual(['unknown_type', 'summary', 'invalid']);
  });

  it('When 2,500 applied callbacks are past retention, then all go, in batches', async () => {
    const { db } = await makeTestApp({ db: kind });
    await store(db, 40, 'applied', 10, 2_500);
    await store(db, 0, 'applied');

    const result = await purgeCallbacks(db, retention, newBudget(0), NOW);

    expect(result.applied).toBe(2_500);
    expect(await outcomes(db)).toEqual(['applied']);
  });

  it('When unapplied payloads pass CALLBACK_UNAPPLIED_MAX_MB, then the oldest go until the rest fit, and applied ones stay', async () => {
    const { db } = await makeTestApp({ db: kind });
    await store(db, 5, 'unknown_type', 1_000);
    await store(db, 4, 'applied', 1_000);
    await store(db, 3, 'invalid', 1_000);
    await store(db, 2, 'unmatched', 1_000);
    const budget = newBudget(2_500);

    const result = await purgeCallbacks(db, { ...retention, unappliedMaxBytes: 2_500 }, budget, NOW);

    expect(result).toEqual({ applied: 0, unapplied: 1, keptUnappliedBytes: 2_000 });
    expect(budget.keptBytes).toBe(2_000);
    expect(await outcomes(db)).toEqual(['applied', 'invalid', 'unmatched']);
  });

  it('When 0 is set for each, then nothing is deleted', async () => {
    const { db } = await makeTestApp({ db: kind });
    await store(db, 4_000, 'applied');
    await store(db, 4_000, 'unknown_type', 10_000);

    const off = { appliedMs: 0, unappliedMs: 0, unappliedMaxBytes: 0 };
    expect(await purgeCallbacks(db, off, newBudget(0), NOW)).toEqual({
      applied: 0,
      unapplied: 0,
      keptUnappliedBytes: 10_000,
    });
  });

  it('When the unapplied callbacks are over their bound, then an unknown callback is stored without its payload and a report waiting for its batch keeps its own', async () => {
    const config = testConfig();
    config.callbackRetention = { ...config.callbackRetention, unappliedMaxBytes: 1_000 };
    const { app, db } = await makeTestApp({ db: kind, config });
    const post = (body: object) =>
      request(app).post('/webhooks/dlr').set('Content-Type', 'application/json').send(JSON.stringify(body));
    const big = { type: 'not_sinch', filler: 'x'.repeat(1_200) };
    const waiting = {
      type: 'recipient_delivery_report_sms',
      batch_id: '01JRETENTIONUNMATCHED00000',
      recipient: '15551234567',
      code: 0,
      status: 'Delivered',
    };

    await post(big).expect(200);
    await post(big).expect(200);
    await post(waiting).expect(200);

    const rows = await db
      .selectFrom('callbacks')
      .select(['outcome', 'payload', 'payload_bytes', 'problem'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        outcome: 'unknown_type',
        payload: JSON.stringify(big),
        payload_bytes: JSON.stringify(big).length,
        problem: null,
      },
      {
        outcome: 'unknown_type',
        payload: '',
        payload_bytes: 0,
        problem: 'payload not kept: the unapplied callbacks reached CALLBACK_UNAPPLIED_MAX_MB',
      },
      {
        outcome: 'unmatched',
        payload: JSON.stringify(waiting),
        payload_bytes: JSON.stringify(waiting).length,
        problem: null,
      },
    ]);
  });
});
