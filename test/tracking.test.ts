import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  FAKE_SINCH,
  makeTestApp,
  sendThroughFakeSinch,
  sinchBatch,
  TEST_PLAN,
  testConfig,
} from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { postReport, report, view } from './helpers/reports';

// The order of reports is in tracking.ordering.test.ts; restarts, outages and odd callbacks in
// tracking.storage.test.ts.
const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;

describe.each(DB_KINDS)('delivery tracking on %s', (kind) => {
  it('When a message is sent and Sinch reports Delivered without +, then it is Delivered with one history entry; a duplicate and a late Dispatched change nothing', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JLIFE000000000000000000A' });
    expect((await view(app, sent.messageId)).status).toBe('Sent');

    const delivered = report(sent.batchId, 'Delivered', 0, '2026-11-28T10:00:05.000Z', {
      operator_status_at: '2026-11-28T10:00:04Z',
      client_reference: sent.clientReference,
    });
    await postReport(app, delivered).expect(200);
    const afterDelivered = await view(app, sent.messageId);

    expect(afterDelivered).toMatchObject({
      id: sent.messageId,
      batchId: sent.batchId,
      clientReference: sent.clientReference,
      from: '+15550001111',
      status: 'Delivered',
      recipients: [
        {
          to: '+15551234567',
          status: 'Delivered',
          code: 0,
          statusAt: '2026-11-28T10:00:05.000Z',
          history: [{ status: 'Delivered', code: 0, at: '2026-11-28T10:00:05.000Z' }],
        },
      ],
    });

    await postReport(app, delivered).expect(200);
    await postReport(app, report(sent.batchId, 'Dispatched', 401, '2026-11-28T10:00:01.000Z')).expect(200);

    expect(await view(app, sent.messageId)).toEqual(afterDelivered);
  });

  it('When the message is looked up by its Sinch batch id, then the same message comes back', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JBYBATCH0000000000000000' });

    expect((await view(app, sent.batchId)).id).toBe(sent.messageId);
  });

  it('When the id is unknown, then it answers 404 in the JSON error shape', async () => {
    const { app } = await makeTestApp({ db: kind });
    const res = await request(app).get('/messages/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      code: 'NOT_FOUND',
      error: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('When Sinch is called, then the message is already stored as Pending with our id as client reference', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    let seenWhileSending: unknown;
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(201, async () => {
        seenWhileSending = await db
          .selectFrom('messages')
          .select(['id', 'client_reference', 'send_status'])
          .execute();
        return sinchBatch({ id: '01JPENDING0000000000000000' });
      });

    const res = await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(202);

    expect(seenWhileSending).toEqual([
      { id: res.body.messageId, client_reference: res.body.messageId, send_status: 'Pending' },
    ]);
  });

  it('When Sinch refuses the batch, then the row stays as SendRefused with the error', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH).post(batchesPath).reply(400, { code: 'syntax_constraint_violation', text: 'nope' });

    await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(502);

    const [row] = await db.selectFrom('messages').selectAll().execute();
    expect(row).toMatchObject({ send_status: 'SendRefused', error_code: 'syntax_constraint_violation' });
    expect((await view(app, row?.id ?? '')).status).toBe('SendRefused');
  });

  it('When Sinch times out but did send, then the message is SendFailed until its report arrives by client reference', async () => {
    const { app, db } = await makeTestApp({ db: kind, config: testConfig({}, { timeoutMs: 150 }) });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .delay(500)
      .reply(201, sinchBatch({ id: '01JTIMEOUT0000000000000000' }));

    await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(504);
    const [row] = await db.selectFrom('messages').selectAll().execute();
    const id = row?.id ?? '';
    expect((await view(app, id)).status).toBe('SendFailed');

    await postReport(
      app,
      report('01JTIMEOUT0000000000000000', 'Delivered', 0, '2026-11-28T10:00:05.000Z', {
        client_reference: id,
      }),
    ).expect(200);

    // The report proves Sinch had the batch: the send is Sent after all, and reconciliation will see it.
    expect(await view(app, id)).toMatchObject({
      status: 'Delivered',
      sendStatus: 'Sent',
      batchId: '01JTIMEOUT0000000000000000',
    });
  });

  it('When two sends in doubt share one client reference of the caller, then a report by that reference waits as unmatched', async () => {
    const { app, db } = await makeTestApp({ db: kind, config: testConfig({}, { timeoutMs: 150 }) });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .twice()
      .delay(500)
      .reply(201, sinchBatch({ id: '01JSHAREDREF00000000000000' }));
    const send = { to: '+15551234567', message: 'Hi', clientReference: 'order-7' };
    await request(app).post('/send-sms').send(send).expect(504);
    await request(app).post('/send-sms').send(send).expect(504);

    await postReport(
      app,
      report('01JSHAREDREF00000000000000', 'Delivered', 0, '2026-11-28T10:00:05.000Z', {
        client_reference: 'order-7',
      }),
    ).expect(200);

    // Neither is known to own the batch: better unmatched than applied to the wrong message.
    const messages = await db.selectFrom('messages').select(['batch_id', 'send_status']).execute();
    expect(messages).toEqual([
      { batch_id: null, send_status: 'SendFailed' },
      { batch_id: null, send_status: 'SendFailed' },
    ]);
    const logged = await db.selectFrom('callbacks').select('outcome').execute();
    expect(logged).toEqual([{ outcome: 'unmatched' }]);
  });

  it('When fifty copies of one report arrive at once, then all are answered 200 and it is applied once', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JFIFTY000000000000000000' });
    const delivered = report(sent.batchId, 'Delivered', 0, '2026-11-28T10:00:05.000Z');

    const answers = await Promise.all(Array.from({ length: 50 }, () => postReport(app, delivered)));

    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const v = await view(app, sent.messageId);
    expect(v.recipients[0].history).toHaveLength(1);
    const logged = await db.selectFrom('callbacks').select('outcome').execute();
    expect(logged).toHaveLength(50);
    expect(logged.filter((r) => r.outcome === 'applied')).toHaveLength(1);
  });

  it('When a full batch report has no timestamps, then a final status still beats an intermediate one either way', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JFULLNOTS000000000000000' });
    const full = (status: string, code: number) => ({
      type: 'delivery_report_sms',
      batch_id: sent.batchId,
      total_message_count: 1,
      statuses: [{ code, status, count: 1, recipients: ['15551234567'] }],
    });

    await postReport(app, full('Delivered', 0)).expect(200);
    await postReport(app, full('Dispatched', 401)).expect(200);

    expect((await view(app, sent.messageId)).status).toBe('Delivered');
  });

  it('When a report arrives before its batch is stored, then it is kept and applied once the batch is stored', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const batchId = '01JEARLY00000000000000000A';
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(201, async () => {
        // Sinch's callback beats its own 201 to us; it carries no client reference to match on.
        await postReport(app, report(batchId, 'Delivered', 0, '2026-11-28T10:00:05.000Z')).expect(200);
        return sinchBatch({ id: batchId });
      });

    const res = await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(202);

    const v = await view(app, res.body.messageId);
    expect(v.status).toBe('Delivered');
    expect(v.recipients[0].history).toHaveLength(1);
    const logged = await db.selectFrom('callbacks').select('outcome').execute();
    expect(logged).toEqual([{ outcome: 'applied' }]);
  });

  it('When a report for a batch nobody sent arrives, then it is kept as unmatched, never dropped', async () => {
    const { app, db } = await makeTestApp({ db: kind });

    await postReport(
      app,
      report('01JSTRANGER00000000000000A', 'Delivered', 0, '2026-11-28T10:00:05.000Z'),
    ).expect(200);

    const logged = await db.selectFrom('callbacks').select(['outcome', 'batch_id', 'payload']).execute();
    expect(logged).toEqual([
      {
        outcome: 'unmatched',
        batch_id: '01JSTRANGER00000000000000A',
        payload: expect.stringContaining('Delivered'),
      },
    ]);
  });
});
