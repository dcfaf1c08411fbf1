import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { postReport, report } from './helpers/reports';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;

describe.each(DB_KINDS)('the order of a message’s events in the outbox, on %s', (kind) => {
  it('When a report finds the message by client reference before its batch is stored, then message.sent still comes first, once', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const batchId = '01JEARLYEVENTS000000000000';
    nock(FAKE_SINCH)
      .post(batchesPath)
      .reply(201, async () => {
        // Sinch's report beats its own 201 to us, and names our client reference.
        await postReport(
          app,
          report(batchId, 'Dispatched', 401, '2026-12-02T10:00:01.000Z', { client_reference: 'order-early' }),
        ).expect(200);
        return sinchBatch({ id: batchId });
      });

    const sent = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'Hi', clientReference: 'order-early' })
      .expect(202);

    const events = await db.selectFrom('events').select(['type', 'payload']).orderBy('seq').execute();
    expect(events.map((e) => e.type)).toEqual(['message.sent', 'message.status_changed']);
    expect(JSON.parse(events[0]?.payload ?? '{}').data).toMatchObject({
      messageId: sent.body.messageId,
      batchId,
      clientReference: 'order-early',
    });
  });
});
