import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CALLBACK_ENTRIES, makeTestApp, sendThroughFakeSinch } from './helpers/app';

// Payloads from docs/sinch-sms-api.md §3 and §7.
const SIGNED_BATCH = '01JHFFHQ0P99JPPNQPJDV7JTBP';
const signedRecipientReport = `{"at":"2025-01-13T09:22:40.914Z","batch_id":"${SIGNED_BATCH}","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}`;

const fullBatchReport = (batchId: string) => ({
  type: 'delivery_report_sms',
  batch_id: batchId,
  total_message_count: 1,
  statuses: [{ code: 0, status: 'Delivered', count: 1, recipients: ['15551234567'] }],
  client_reference: 'client-ref',
});

const summaryBatchReport = (batchId: string) => ({
  batch_id: batchId,
  statuses: [{ code: 412, count: 1, status: 'Aborted' }],
  total_message_count: 1,
  type: 'delivery_report_sms',
});

const inboundText = {
  type: 'mo_text',
  id: '01FC66621XXXXX119Z8PMV1QPA',
  from: '+11203494390',
  to: '11203453453',
  body: 'a body',
  operator_id: '35000',
  received_at: '2019-08-24T14:17:22Z',
  sent_at: '2019-08-24T14:15:22Z',
  client_reference: 'a client reference',
};

function post(app: Parameters<typeof request>[0], body: string | object) {
  const req = request(app).post('/webhooks/dlr').set('Content-Type', 'application/json');
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

async function statusOf(app: Parameters<typeof request>[0], id: string) {
  const res = await request(app).get(`/messages/${id}`).expect(200);
  return res.body;
}

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, callback shapes, through %s', (entry) => {
  it('When a recipient report arrives as Sinch signs it (number without +), then it is applied and logged as one line', async () => {
    const { target: app, logs } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });

    const res = await post(app, signedRecipientReport);

    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect((await statusOf(app, sent.messageId)).status).toBe('Delivered');
    expect(logs.find('delivery status')).toEqual([
      expect.objectContaining({
        batchId: SIGNED_BATCH,
        recipient: '33662162466',
        status: 'Delivered',
        code: 0,
        clientReference: 'a client reference',
      }),
    ]);
  });

  it('When a recipient report has the number with + and the code as a string, then both are read', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });
    const report = {
      ...JSON.parse(signedRecipientReport),
      recipient: '+33662162466',
      code: '401',
      status: 'Dispatched',
    };

    await post(app, report).expect(200);

    const view = await statusOf(app, sent.messageId);
    expect(view.recipients[0]).toMatchObject({ to: '+33662162466', status: 'Dispatched', code: 401 });
  });

  it('When a recipient report has the number with 00, then it matches the recipient', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });

    await post(app, { ...JSON.parse(signedRecipientReport), recipient: '0033662162466' }).expect(200);

    expect((await statusOf(app, sent.messageId)).status).toBe('Delivered');
  });

  it('When a recipient report has an unknown status and extra fields, then it is accepted as a final status', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });
    const report = {
      ...JSON.parse(signedRecipientReport),
      status: 'Teleported',
      operator: 'x',
      brand_new: 1,
    };

    await post(app, report).expect(200);

    expect((await statusOf(app, sent.messageId)).status).toBe('Teleported');
  });

  it('When a status comes in another case, then it is stored in Sinch spelling', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });

    await post(app, { ...JSON.parse(signedRecipientReport), status: 'DELIVERED' }).expect(200);

    expect((await statusOf(app, sent.messageId)).status).toBe('Delivered');
  });

  it('When an MMS recipient report arrives, then it is handled like an SMS one', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });

    await post(app, { ...JSON.parse(signedRecipientReport), type: 'recipient_delivery_report_mms' }).expect(
      200,
    );

    expect((await statusOf(app, sent.messageId)).status).toBe('Delivered');
  });

  it('When a full batch report arrives, then each listed recipient gets its status', async () => {
    const { target: app, logs } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { batchId: '01W4FFL35P4NC4K35SMSBATCH8' });

    await post(app, fullBatchReport(sent.batchId)).expect(200);

    const view = await statusOf(app, sent.messageId);
    expect(view.recipients).toEqual([
      expect.objectContaining({ to: '+15551234567', status: 'Delivered', code: 0 }),
    ]);
    expect(logs.find('delivery status').map((l) => [l.recipient, l.status])).toEqual([
      ['15551234567', 'Delivered'],
    ]);
  });

  it('When a summary batch report arrives (counts only), then it is kept and shown without inventing recipient states', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { batchId: '01J06CY78GZ2F74YZNNH2VBWR6' });

    await post(app, summaryBatchReport(sent.batchId)).expect(200);

    const view = await statusOf(app, sent.messageId);
    expect(view.recipients[0].status).toBe('Sent');
    expect(view.summary).toMatchObject({
      totalMessageCount: 1,
      statuses: [{ code: 412, count: 1, status: 'Aborted' }],
    });
  });

  it('When an inbound mo_text arrives, then it answers 200 and stores it once, however often it comes', async () => {
    const { target: app, db } = await makeTestApp({ entry });

    await post(app, inboundText).expect(200);
    await post(app, inboundText).expect(200);

    const rows = await db.selectFrom('inbound_messages').selectAll().execute();
    expect(rows).toEqual([
      expect.objectContaining({
        id: inboundText.id,
        sender: '+11203494390',
        body: 'a body',
        sent_at: '2019-08-24T14:15:22.000Z',
      }),
    ]);
  });

  it('When Sinch sends a content type other than JSON, then the body is still read', async () => {
    const { target: app } = await makeTestApp({ entry });
    const sent = await sendThroughFakeSinch(app, { to: '+33662162466', batchId: SIGNED_BATCH });

    await request(app)
      .post('/webhooks/dlr')
      .set('Content-Type', 'text/plain')
      .send(signedRecipientReport)
      .expect(200);

    expect((await statusOf(app, sent.messageId)).status).toBe('Delivered');
  });

  it('When the callback type is unknown, then it answers 200, warns and keeps it in the callback log', async () => {
    const { target: app, logs, db } = await makeTestApp({ entry });

    await post(app, { type: 'something_new', batch_id: 'x' }).expect(200);

    expect(logs.lines.find((l) => l.level === 'warn' && l.callbackType === 'something_new')).toBeDefined();
    const rows = await db.selectFrom('callbacks').select(['type', 'outcome']).execute();
    expect(rows).toEqual([{ type: 'something_new', outcome: 'unknown_type' }]);
  });
});

describe.each(CALLBACK_ENTRIES)('POST /webhooks/dlr, malformed, through %s', (entry) => {
  it('When the body is not JSON, then it answers 400 INVALID_JSON', async () => {
    const { target: app } = await makeTestApp({ entry });
    const res = await post(app, '{"type":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'INVALID_JSON',
      error: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['empty', ''],
  ])('When the body is %s, then it answers 400', async (_name, body) => {
    const { target: app } = await makeTestApp({ entry });
    const res = await post(app, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toMatch(/INVALID_JSON|VALIDATION_FAILED/);
  });

  it('When the body comes in a content encoding the parser cannot undo, then it answers 415 as the API document declares', async () => {
    const { target: app } = await makeTestApp({ entry });
    const res = await request(app)
      .post('/webhooks/dlr')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-unknown')
      .send('{"type":"mo_text"}');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('When a known type lacks a required field, then it is kept as invalid, answered 200 and logged at error level naming the field', async () => {
    const { target: app, db, logs, metrics } = await makeTestApp({ entry });
    const res = await post(app, {
      type: 'recipient_delivery_report_sms',
      batch_id: 'b',
      status: 'Delivered',
      code: 0,
    });
    expect(res.status).toBe(200);
    const rows = await db.selectFrom('callbacks').select('outcome').execute();
    expect(rows).toEqual([{ outcome: 'invalid' }]);
    const [line] = logs.lines.filter((l) => l.level === 'error');
    expect(line).toMatchObject({ callbackType: 'recipient_delivery_report_sms' });
    expect(line?.issues).toContainEqual(expect.objectContaining({ field: 'recipient' }));
    const counted = await metrics.callbacks.get();
    expect(counted.values).toContainEqual(
      expect.objectContaining({
        labels: { type: 'recipient_delivery_report_sms', outcome: 'invalid' },
        value: 1,
      }),
    );
  });
});
