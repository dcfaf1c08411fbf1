import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { moText, postCallback } from './helpers/opt-outs';

// Issue 13 item 4: a `full` report naming 1,000 recipients with code 257 opts all of them out, in a
// few statements (the time is measured by scripts/bench-opt-out-codes.ts, not here).

const BATCH = '01JBULKOPTOUT0000000000257';
const numbers = Array.from({ length: 1_000 }, (_, i) => `1555${String(i).padStart(7, '0')}`);

const fullReport = {
  type: 'delivery_report_sms',
  batch_id: BATCH,
  statuses: [{ code: 257, status: 'Failed', count: numbers.length, recipients: numbers }],
};

describe.each(DB_KINDS)('Opt-out codes in a full report of 1,000 recipients, on %s', (kind) => {
  it('When the report names 1,000 recipients with code 257, then every one is opted out once, a later START still wins, and a retry changes nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(`/xms/v1/${TEST_PLAN}/batches`)
      .reply(201, (_uri, body) => sinchBatch({ ...(body as object), id: BATCH, to: numbers }));
    await request(app)
      .post('/send-sms')
      .send({ to: numbers.map((n) => `+${n}`), message: 'Hello' })
      .expect(202);
    // One number opted back in with a START later than the report: the report must not undo it.
    const startedLater = numbers[5] as string;
    await postCallback(app, moText(startedLater, 'START', { receivedAt: '2099-01-01T00:00:00.000Z' }));

    await postCallback(app, fullReport);
    await postCallback(app, fullReport);

    const listed = await db
      .selectFrom('opt_outs')
      .select(['msisdn', 'source', 'reason', 'reference'])
      .execute();
    expect(listed).toHaveLength(999);
    expect(listed.map((row) => row.msisdn)).not.toContain(startedLater);
    expect(new Set(listed.map((row) => `${row.source}|${row.reason}|${row.reference}`))).toEqual(
      new Set([`delivery_code|257|${BATCH}`]),
    );
    const codeEvents = await db
      .selectFrom('opt_out_events')
      .select(['msisdn', 'outcome'])
      .where('source', '=', 'delivery_code')
      .execute();
    expect(codeEvents).toHaveLength(1_000);
    expect(codeEvents.filter((e) => e.outcome === 'stale')).toEqual([
      { msisdn: startedLater, outcome: 'stale' },
    ]);
    const failed = await db
      .selectFrom('recipients')
      .select('msisdn')
      .where('status', '=', 'Failed')
      .where('code', '=', 257)
      .execute();
    expect(failed).toHaveLength(1_000);
  });
  it('When one report lists a number under two opt-out codes, then an event is recorded for each, the later code decides the list, one opt_out.changed goes out, and a retry changes nothing', async () => {
    const base = testConfig();
    const config = testConfig({ optOuts: { ...base.optOuts, deliveryCodes: [257, 258] } });
    const { app, db } = await makeTestApp({ db: kind, config });
    const [both, only] = ['15550000001', '15550000002'];
    nock(FAKE_SINCH)
      .post(`/xms/v1/${TEST_PLAN}/batches`)
      .reply(201, (_uri, body) => sinchBatch({ ...(body as object), id: BATCH, to: [both, only] }));
    await request(app)
      .post('/send-sms')
      .send({ to: [`+${both}`, `+${only}`], message: 'Hello' })
      .expect(202);
    const report = {
      type: 'delivery_report_sms',
      batch_id: BATCH,
      statuses: [
        { code: 257, status: 'Failed', count: 2, recipients: [both, only] },
        { code: 258, status: 'Failed', count: 1, recipients: [both] },
      ],
    };

    await postCallback(app, report);
    await postCallback(app, report);

    const events = await db
      .selectFrom('opt_out_events')
      .select(['msisdn', 'reason', 'outcome'])
      .orderBy('msisdn')
      .orderBy('reason')
      .execute();
    expect(events).toEqual([
      { msisdn: both, reason: '257', outcome: 'stale' },
      { msisdn: both, reason: '258', outcome: 'applied' },
      { msisdn: only, reason: '257', outcome: 'applied' },
    ]);
    const listed = await db.selectFrom('opt_outs').select(['msisdn', 'reason']).orderBy('msisdn').execute();
    expect(listed).toEqual([
      { msisdn: both, reason: '258' },
      { msisdn: only, reason: '257' },
    ]);
    const outbox = await db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'opt_out.changed')
      .execute();
    const changed = outbox.map((row) => JSON.parse(row.payload).data);
    expect(changed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msisdn: `+${both}`, action: 'opt_out', reason: '258', batchId: BATCH }),
        expect.objectContaining({ msisdn: `+${only}`, action: 'opt_out', reason: '257', batchId: BATCH }),
      ]),
    );
    expect(changed).toHaveLength(2);
  });
});
