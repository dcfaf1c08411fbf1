import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN, TEST_TOKEN, testConfig } from './helpers/app';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;

describe('POST /send-sms, accepted', () => {
  it('When the input is valid, then it sends one batch as the guide describes and answers 202 with its id', async () => {
    const { app } = await makeTestApp();
    let sent: Record<string, unknown> | undefined;
    const sinch = nock(FAKE_SINCH, { reqheaders: { authorization: `Bearer ${TEST_TOKEN}` } })
      .post(batchesPath, (body) => {
        sent = body;
        return true;
      })
      .reply(201, (_uri, body) => sinchBatch({ id: '01JBATCH0000000000000000AA', ...(body as object) }));

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'Hello from Sinch!' });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({
      message: 'SMS send request accepted by Sinch.',
      messageId: expect.any(String),
      batchId: '01JBATCH0000000000000000AA',
      clientReference: res.body.messageId,
      to: ['+15551234567'],
      encoding: 'GSM',
      parts: 1,
    });
    expect(sent).toEqual({
      from: '+15550001111',
      to: ['+15551234567'],
      body: 'Hello from Sinch!',
      delivery_report: 'per_recipient',
      client_reference: res.body.clientReference,
    });
    expect(res.body.clientReference.length).toBeLessThanOrEqual(128);
    expect(sinch.isDone()).toBe(true);
  });

  it('When the caller gives a clientReference, then Sinch receives exactly it', async () => {
    const { app } = await makeTestApp();
    let sent: Record<string, unknown> | undefined;
    nock(FAKE_SINCH)
      .post(batchesPath, (body) => {
        sent = body;
        return true;
      })
      .reply(201, sinchBatch());

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'Hi', clientReference: 'order-42' });

    expect(res.status).toBe(202);
    expect(res.body.clientReference).toBe('order-42');
    expect(sent?.client_reference).toBe('order-42');
  });

  it('When PUBLIC_BASE_URL is set, then every batch carries its /webhooks/dlr as callback_url', async () => {
    const { app } = await makeTestApp({
      config: testConfig({ publicBaseUrl: 'https://abc123.ngrok-free.app' }),
    });
    let sent: Record<string, unknown> | undefined;
    nock(FAKE_SINCH)
      .post(batchesPath, (body) => {
        sent = body;
        return true;
      })
      .reply(201, sinchBatch());

    await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(202);

    expect(sent?.callback_url).toBe('https://abc123.ngrok-free.app/webhooks/dlr');
  });

  it('When SINCH_DELIVERY_REPORT is full, then the batch asks for full reports', async () => {
    const { app } = await makeTestApp({ config: testConfig({}, { deliveryReport: 'full' }) });
    let sent: Record<string, unknown> | undefined;
    nock(FAKE_SINCH)
      .post(batchesPath, (body) => {
        sent = body;
        return true;
      })
      .reply(201, sinchBatch());

    await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' }).expect(202);

    expect(sent?.delivery_report).toBe('full');
  });

  it('When a message is exactly 2000 characters of emoji, then it is accepted (characters, not UTF-16 units)', async () => {
    // 60 UCS-2 parts: over the default per-number limit of 10 parts an hour, which is not what this tests.
    const base = testConfig();
    const { app } = await makeTestApp({
      config: { ...base, sendLimits: { ...base.sendLimits, maxPerNumberPerHour: 100 } },
    });
    nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: '😀'.repeat(2000) });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('When the send succeeds, then the log has the batch id and never the API token', async () => {
    const { app, logs } = await makeTestApp();
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(201, sinchBatch({ id: '01JLOGGED00000000000000000' }));

    await request(app)
      .post('/send-sms')
      .set('Authorization', `Bearer ${TEST_TOKEN}`)
      .send({ to: '+15551234567', message: 'Hi' })
      .expect(202);

    expect(logs.find('sms accepted by sinch')[0]?.batchId).toBe('01JLOGGED00000000000000000');
    expect(logs.text()).not.toContain(TEST_TOKEN);
  });
});
