import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';

// Payloads from sinch-sms-api.md §3 and §7.
const signedRecipientReport =
  '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';

const fullBatchReport = {
  type: 'delivery_report_sms',
  batch_id: '01W4FFL35P4NC4K35SMSBATCH8',
  total_message_count: 2,
  statuses: [{ code: 0, status: 'Delivered', count: 2, recipients: ['12017777777', '33612345678'] }],
  client_reference: 'client-ref',
};

const summaryBatchReport = {
  batch_id: '01J06CY78GZ2F74YZNNH2VBWR6',
  statuses: [{ code: 412, count: 1, status: 'Aborted' }],
  total_message_count: 1,
  type: 'delivery_report_sms',
};

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

describe('POST /webhooks/dlr, callback shapes', () => {
  it('When a recipient report arrives as Sinch signs it (number without +), then it answers 200 and logs the status', async () => {
    const { app, logs } = makeTestApp();

    const res = await post(app, signedRecipientReport);

    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(logs.find('delivery status')).toEqual([
      expect.objectContaining({
        batchId: '01JHFFHQ0P99JPPNQPJDV7JTBP',
        recipient: '33662162466',
        status: 'Delivered',
        code: 0,
        clientReference: 'a client reference',
      }),
    ]);
  });

  it('When a recipient report has the number with + and the code as a string, then both are read', async () => {
    const { app, logs } = makeTestApp();
    const report = {
      ...JSON.parse(signedRecipientReport),
      recipient: '+33662162466',
      code: '401',
      status: 'Dispatched',
    };

    await post(app, report).expect(200);

    expect(logs.find('delivery status')[0]).toMatchObject({
      recipient: '33662162466',
      code: 401,
      status: 'Dispatched',
    });
  });

  it('When a recipient report has an unknown status and extra fields, then it is accepted as it is', async () => {
    const { app, logs } = makeTestApp();
    const report = {
      ...JSON.parse(signedRecipientReport),
      status: 'Teleported',
      operator: 'x',
      brand_new: 1,
    };

    await post(app, report).expect(200);

    expect(logs.find('delivery status')[0]).toMatchObject({ status: 'Teleported' });
  });

  it('When an MMS recipient report arrives, then it is handled like an SMS one', async () => {
    const { app, logs } = makeTestApp();
    const report = { ...JSON.parse(signedRecipientReport), type: 'recipient_delivery_report_mms' };

    await post(app, report).expect(200);

    expect(logs.find('delivery status')).toHaveLength(1);
  });

  it('When a full batch report arrives, then each listed recipient gets its own status line', async () => {
    const { app, logs } = makeTestApp();

    await post(app, fullBatchReport).expect(200);

    expect(logs.find('delivery status').map((l) => [l.recipient, l.status, l.batchId])).toEqual([
      ['12017777777', 'Delivered', '01W4FFL35P4NC4K35SMSBATCH8'],
      ['33612345678', 'Delivered', '01W4FFL35P4NC4K35SMSBATCH8'],
    ]);
  });

  it('When a summary batch report arrives (counts only), then it is logged without inventing recipients', async () => {
    const { app, logs } = makeTestApp();

    await post(app, summaryBatchReport).expect(200);

    expect(logs.find('delivery status')).toHaveLength(0);
    expect(logs.find('batch delivery summary')[0]).toMatchObject({ batchId: '01J06CY78GZ2F74YZNNH2VBWR6' });
  });

  it('When an inbound mo_text arrives, then it answers 200 and logs it', async () => {
    const { app, logs } = makeTestApp();

    await post(app, inboundText).expect(200);

    expect(logs.find('inbound sms')[0]).toMatchObject({ inboundId: inboundText.id, from: '+11203494390' });
  });

  it('When Sinch sends a content type other than JSON, then the body is still read', async () => {
    const { app, logs } = makeTestApp();

    await request(app)
      .post('/webhooks/dlr')
      .set('Content-Type', 'text/plain')
      .send(signedRecipientReport)
      .expect(200);

    expect(logs.find('delivery status')).toHaveLength(1);
  });

  it('When the callback type is unknown, then it answers 200 and warns', async () => {
    const { app, logs } = makeTestApp();

    await post(app, { type: 'something_new', batch_id: 'x' }).expect(200);

    expect(logs.lines.find((l) => l.level === 'warn' && l.callbackType === 'something_new')).toBeDefined();
  });
});

describe('POST /webhooks/dlr, malformed', () => {
  it('When the body is not JSON, then it answers 400 INVALID_JSON', async () => {
    const { app } = makeTestApp();
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
    const { app } = makeTestApp();
    const res = await post(app, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toMatch(/INVALID_JSON|VALIDATION_FAILED/);
  });

  it('When a known type lacks a required field, then it answers 400 naming the field', async () => {
    const { app } = makeTestApp();
    const res = await post(app, {
      type: 'recipient_delivery_report_sms',
      batch_id: 'b',
      status: 'Delivered',
      code: 0,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'recipient' }));
  });
});
