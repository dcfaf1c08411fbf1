import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { startPair } from './e2e/harness';
import {
  FAKE_SINCH,
  makeTestApp,
  sendThroughFakeSinch,
  sinchBatch,
  TEST_PLAN,
  testConfig,
} from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { postCallback, recipientReport } from './helpers/opt-outs';
import { API_KEY, makeSecureApp } from './helpers/security';

const batchPath = (id: string) => `/xms/v1/${TEST_PLAN}/batches/${id}`;
const NUMBER = '15551234567';
const later = () => new Date(Date.now() + 60_000).toISOString();

/** nock plays Sinch's answer to DELETE /batches/{id}. */
function sinchCancels(batchId: string) {
  return nock(FAKE_SINCH)
    .delete(batchPath(batchId))
    .reply(200, sinchBatch({ id: batchId, canceled: true }));
}

describe.each(DB_KINDS)('DELETE /messages/:id on %s', (kind) => {
  it('When a sent message is cancelled, then Sinch is asked and the recipient is Cancelled 407 with cancelledAt', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL00000000000000001' });
    const sinch = sinchCancels(sent.batchId);

    const res = await request(app).delete(`/messages/${sent.messageId}`);

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sinch.isDone()).toBe(true);
    expect(res.body).toMatchObject({
      id: sent.messageId,
      status: 'Cancelled',
      cancelledAt: expect.any(String),
      recipients: [
        { to: `+${NUMBER}`, status: 'Cancelled', code: 407, history: [{ status: 'Cancelled', code: 407 }] },
      ],
    });
    expect((await request(app).get(`/messages/${sent.messageId}`)).body).toEqual(res.body);
  });

  it('When a message is cancelled, then sms_delivery_outcomes_total counts Cancelled 407 once, also when repeated', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCELMETRICS0000000001' });
    sinchCancels(sent.batchId);

    await request(app).delete(`/messages/${sent.messageId}`).expect(200);
    await request(app).delete(`/messages/${sent.messageId}`).expect(200);
    const metrics = await request(app).get('/metrics').expect(200);

    expect(metrics.text).toContain('sms_delivery_outcomes_total{status="Cancelled",code="407"} 1');
  });

  it('When it is cancelled twice, by id then by batch id, then Sinch is asked once and both answer the same', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL00000000000000002' });
    sinchCancels(sent.batchId);

    const first = await request(app).delete(`/messages/${sent.messageId}`);
    const second = await request(app).delete(`/messages/${sent.batchId}`);

    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it('When a recipient was already Delivered, then it keeps Delivered and the message still records the cancel', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL00000000000000003' });
    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Delivered', 0));
    sinchCancels(sent.batchId);

    const res = await request(app).delete(`/messages/${sent.messageId}`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'Delivered', cancelledAt: expect.any(String) });
    expect(res.body.recipients[0]).toMatchObject({ status: 'Delivered', code: 0 });
  });

  it('When a recipient was already Dispatched, then the cancel leaves it Dispatched until Sinch reports otherwise', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL00000000000000005' });
    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Dispatched', 401));
    sinchCancels(sent.batchId);

    const res = await request(app).delete(`/messages/${sent.messageId}`);

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Handed to the SMSC already: only Sinch's own report may say it was stopped.
    expect(res.body).toMatchObject({ status: 'Dispatched', cancelledAt: expect.any(String) });
    expect(res.body.recipients[0]).toMatchObject({ status: 'Dispatched', code: 401 });
  });

  it('When Sinch later reports Delivered stamped after the cancel, then Delivered wins; its own Cancelled changes nothing', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL00000000000000004' });
    sinchCancels(sent.batchId);
    await request(app).delete(`/messages/${sent.messageId}`).expect(200);

    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Cancelled', 407, later()));
    const afterSinchCancel = await request(app).get(`/messages/${sent.messageId}`);
    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Delivered', 0, later()));
    const afterDelivered = await request(app).get(`/messages/${sent.messageId}`);

    expect(afterSinchCancel.body.recipients[0].history).toHaveLength(1);
    expect(afterDelivered.body).toMatchObject({ status: 'Delivered', cancelledAt: expect.any(String) });
  });

  it('When the message is unknown, then it answers 404 and Sinch is not called', async () => {
    const { app } = await makeTestApp({ db: kind });
    const res = await request(app).delete('/messages/no-such-message');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('When the send was refused so there is no batch, then it answers 409 NOT_CANCELLABLE', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(`/xms/v1/${TEST_PLAN}/batches`)
      .reply(400, { code: 'syntax_invalid_parameter_format', text: 'bad' });
    await request(app)
      .post('/send-sms')
      .send({ to: `+${NUMBER}`, message: 'Hello' });
    const row = await db.selectFrom('messages').select('id').executeTakeFirstOrThrow();

    const res = await request(app).delete(`/messages/${row.id}`);

    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body).toMatchObject({ code: 'NOT_CANCELLABLE', details: { sendStatus: 'SendRefused' } });
  });
});

describe('DELETE /messages/:id when Sinch fails, and API keys', () => {
  it.each([
    ['answers 500', 502, 'SINCH_UNAVAILABLE'],
    ['answers 404', 502, 'SINCH_REJECTED'],
    ['does not answer in time', 504, 'SINCH_TIMEOUT'],
  ])(
    'When Sinch %s, then it answers %i %s and the message is not marked cancelled',
    async (_n, status, code) => {
      // A short Sinch timeout only where the test is about one: a 404 that is slow to come on a busy
      // machine would otherwise read as a timeout.
      const timeoutMs = code === 'SINCH_TIMEOUT' ? 200 : 5_000;
      const { app } = await makeTestApp({ config: testConfig({}, { timeoutMs }) });
      const sent = await sendThroughFakeSinch(app, { batchId: '01JCANCEL0000000000000FAIL' });
      const scope = nock(FAKE_SINCH).delete(batchPath(sent.batchId));
      if (code === 'SINCH_TIMEOUT') scope.delay(1_000).reply(200, sinchBatch());
      else scope.reply(code === 'SINCH_REJECTED' ? 404 : 500, { code: 'x', text: 'y' });

      const res = await request(app).delete(`/messages/${sent.messageId}`);
      const view = await request(app).get(`/messages/${sent.messageId}`);

      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.code).toBe(code);
      expect(view.body.status).toBe('Sent');
      expect(view.body.cancelledAt).toBeUndefined();
    },
  );

  it('When no API key is sent, then it answers 401 and Sinch is not called', async () => {
    const { app } = await makeSecureApp();
    expect((await request(app).delete('/messages/anything')).status).toBe(401);
    expect((await request(app).delete('/messages/anything').set('X-API-Key', API_KEY)).status).toBe(404);
  });
});

describe.each(DB_KINDS)('cancelling end to end with the emulator, on %s', (db) => {
  it('When a dispatched message whose report is slow is cancelled, then Sinch reports it Cancelled and the late delivery never comes', async () => {
    // The emulator holds the slow Delivered until the test lets it go, so the cancel comes first on any machine.
    const pair = await startPair({ db, emulator: { slowReportMs: 'held' } });
    const sent = await pair.call('POST', '/send-sms', { to: '+15550100913', message: 'Slow' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Dispatched');

    const res = await pair.call('DELETE', `/messages/${sent.body.messageId}`);
    const settled = await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Cancelled');
    // Now the late report's time comes: the emulator finds the recipient Cancelled and sends nothing more.
    expect(pair.emulator.state.releaseHeldReports()).toBe(1);
    await pair.emulatorIdle();

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Handed to the SMSC already: only Sinch's own report may say it was stopped. The emulator posts
    // that report as it cancels, so it may be applied before this answer is read: either is right.
    expect(res.body).toMatchObject({ cancelledAt: expect.any(String) });
    expect(['Dispatched', 'Cancelled']).toContain(res.body.status);
    expect((await pair.waitForMessage(sent.body.messageId, () => true)).status).toBe('Cancelled');
    expect(settled).toMatchObject({ status: 'Cancelled', recipients: [{ code: 407 }] });
    expect(settled.recipients[0]?.history.map((h) => h.status)).toEqual(['Dispatched', 'Cancelled']);
    expect(pair.emulator.state.callbacks().map((c) => c.payload.status)).toEqual(['Dispatched', 'Cancelled']);
    expect(pair.emulator.state.batches()[0]?.batch.canceled).toBe(true);
  });

  it('When a delivered message is cancelled, then it keeps Delivered', async () => {
    const pair = await startPair({ db });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Fast' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');

    const res = await pair.call('DELETE', `/messages/${sent.body.batchId}`);

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'Delivered', cancelledAt: expect.any(String) });
  });
});
