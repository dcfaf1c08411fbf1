import nock from 'nock';
import pg from 'pg';
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { insertCallback } from '../src/callbacks/callbacks.repository';
import { newId } from '../src/core/ids';
import { NUMBER_LOCK_SPACE, stripeOf } from '../src/core/locks';
import type { Db } from '../src/db/database';
import { createLogger } from '../src/logger';
import { optOutCodeHook, optOutRules } from '../src/opt-outs';
import { recordBatch } from '../src/tracking';
import { FAKE_SINCH, makeTestApp, sendThroughFakeSinch, sinchBatch, TEST_PLAN } from './helpers/app';
import { createTestDatabase, DB_KINDS } from './helpers/databases';

// Issue 13 item 5. On PostgreSQL a report's opt-out codes take the advisory locks of its numbers'
// stripes (src/core/locks.ts, 64 at most), after its batch's lock. Two transactions can only deadlock
// on them if one takes a stripe below one it already holds: these tests run two instances of the service
// on one database against each other where that could happen.

const failedReport = (batchId: string, recipients: string[]) => ({
  type: 'delivery_report_sms',
  batch_id: batchId,
  statuses: [{ code: 257, status: 'Failed', count: recipients.length, recipients }],
});

/** A number of each stripe asked for, in that order (numbers 1555xxxxxxx, first found). */
function numbersOfStripes(stripes: number[]): string[] {
  return stripes.map((stripe) => {
    for (let i = 0; ; i += 1) {
      const msisdn = `1555${String(i).padStart(7, '0')}`;
      if (stripeOf(msisdn) === stripe) return msisdn;
    }
  });
}

/** Advisory locks some session of this database waits for. */
async function waitingLocks(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `select count(*) as n from pg_locks
     where locktype = 'advisory' and not granted
       and database = (select oid from pg_database where datname = current_database())`,
  );
  return Number(rows[0]?.n);
}

describe.skipIf(!DB_KINDS.includes('postgres'))('Number stripe locks on PostgreSQL, two instances', () => {
  it('When two instances apply overlapping 1,000-recipient reports with code 257 at once, then none deadlocks: all answered 200, every number opted out once per report', async () => {
    const database = await createTestDatabase('postgres');
    onTestFinished(() => database.drop());
    const one = await makeTestApp({ database });
    const two = await makeTestApp({ database });
    // Six batches of 1,000 numbers from a pool of 1,500: every pair of reports shares hundreds of numbers
    // and so most of the 64 stripes.
    const pool = Array.from({ length: 1_500 }, (_, i) => `1555${String(i).padStart(7, '0')}`);
    const batches = Array.from({ length: 6 }, (_, b) => ({
      id: `01JDEADLOCK${String(b).padStart(15, '0')}`,
      numbers: pool.slice(b * 100, b * 100 + 1_000),
    }));
    for (const batch of batches) {
      nock(FAKE_SINCH)
        .post(`/xms/v1/${TEST_PLAN}/batches`)
        .reply(201, (_uri, body) => sinchBatch({ ...(body as object), id: batch.id, to: batch.numbers }));
      await request(one.app)
        .post('/send-sms')
        .send({ to: batch.numbers.map((n) => `+${n}`), message: 'Hello' })
        .expect(202);
    }

    // Each report through both instances at once, all twelve together.
    const answers = await Promise.all(
      batches.flatMap((batch) =>
        [one.app, two.app].map((app) =>
          request(app).post('/webhooks/dlr').send(failedReport(batch.id, batch.numbers)),
        ),
      ),
    );

    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 200));
    const events = await one.db
      .selectFrom('opt_out_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(events.n)).toBe(6 * 1_000);
    const listed = await one.db.selectFrom('opt_outs').select('msisdn').execute();
    expect(listed).toHaveLength(pool.length);
  }, 60_000);

  it('When a batch is recorded with two early reports whose stripes interleave with a report of another instance, then both commit (the early reports lock their numbers in one call, in order)', async () => {
    const database = await createTestDatabase('postgres');
    onTestFinished(() => database.drop());
    const one = await makeTestApp({ database });
    const two = await makeTestApp({ database });
    // Stripes gate < c < x. The batch's first early report names x, its second gate and c; the other
    // instance's report names c and x. Taken report by report, the batch would hold x and wait for c
    // while the other holds c and waits for x.
    const [gate, c, x] = numbersOfStripes([5, 20, 40]) as [string, string, string];
    const first = await sendThroughFakeSinch(one.app, { batchId: '01JDEADLOCKEARLY0000000001', to: `+${x}` });
    const other = await sendThroughFakeSinch(two.app, { batchId: '01JDEADLOCKOTHER0000000001', to: `+${c}` });
    const early = async (db: Db, payload: { batch_id: string }) =>
      insertCallback(db, {
        id: newId(),
        received_at: new Date().toISOString(),
        type: 'delivery_report_sms',
        batch_id: payload.batch_id,
        client_reference: null,
        payload: JSON.stringify(payload),
        outcome: 'unmatched',
        processed_at: null,
      });
    await early(one.db, failedReport(first.batchId, [x]));
    await early(one.db, failedReport(first.batchId, [gate, c]));

    // A session of its own holds the gate's stripe, so that the batch stops between its two reports.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    onTestFinished(() => holder.end());
    await holder.query('begin');
    await holder.query('select pg_advisory_xact_lock($1::int, $2::int)', [NUMBER_LOCK_SPACE, stripeOf(gate)]);

    const recording = recordBatch(
      one.db,
      { id: first.messageId, clientReference: first.clientReference },
      { id: first.batchId, expireAt: null },
      { log: createLogger('silent'), hook: optOutCodeHook(optOutRules(undefined)) },
    ).then(
      (applied) => ({ applied }),
      (error: Error) => ({ error }),
    );
    await vi.waitUntil(async () => (await waitingLocks(holder)) === 1, { timeout: 10_000, interval: 20 });
    const reporting = request(two.app)
      .post('/webhooks/dlr')
      .send(failedReport(other.batchId, [c, x]));
    const answered = reporting.then((res) => res);
    // Without the fix the other instance now holds c and waits for x; with it, it finishes at once.
    await vi.waitUntil(
      async () =>
        (await waitingLocks(holder)) === 2 ||
        (await two.db.selectFrom('opt_outs').select('msisdn').where('msisdn', '=', c).executeTakeFirst()) !==
          undefined,
      { timeout: 10_000, interval: 20 },
    );
    await holder.query('commit');

    expect(await recording).toEqual({ applied: 2 });
    expect((await answered).status).toBe(200);
    const listed = await one.db.selectFrom('opt_outs').select('msisdn').orderBy('msisdn').execute();
    expect(listed.map((row) => row.msisdn)).toEqual([gate, c, x].sort());
  }, 60_000);
});
