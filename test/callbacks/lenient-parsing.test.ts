import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CALLBACK_ENTRIES, makeTestApp, sendThroughFakeSinch } from '../helpers/app';
import { DB_KINDS } from '../helpers/databases';

// Our own cases for issue 12 item 1: shapes Sinch's examples and SDKs use that a strict schema refused.
// The values are the ones the issue names; the payloads around them are ours.

const BATCH = '01JLENIENT0000000000000000';

function post(app: Parameters<typeof request>[0], body: object) {
  return request(app)
    .post('/webhooks/dlr')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

const recipientReport = (fields: Record<string, unknown>) => ({
  type: 'recipient_delivery_report_sms',
  batch_id: BATCH,
  recipient: '15551234567',
  code: 0,
  status: 'Delivered',
  at: '2026-11-28T10:00:05.000Z',
  ...fields,
});

describe.each(DB_KINDS.flatMap((kind) => CALLBACK_ENTRIES.map((entry) => [kind, entry] as const)))(
  'POST /webhooks/dlr, lenient parsing, on %s, through %s',
  (kind, entry) => {
    it('When a batch report gives total_message_count and counts as numeric strings, then it is applied as a summary with numbers', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });
      const sent = await sendThroughFakeSinch(app, { batchId: BATCH });

      await post(app, {
        type: 'delivery_report_sms',
        batch_id: BATCH,
        total_message_count: '20000',
        statuses: [{ code: '0', status: 'Delivered', count: '19998' }],
        client_reference: null,
      }).expect(200);

      const row = await db
        .selectFrom('messages')
        .select('report_summary')
        .where('id', '=', sent.messageId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.report_summary ?? '{}')).toMatchObject({
        totalMessageCount: 20000,
        statuses: [{ code: 0, status: 'Delivered', count: 19998 }],
      });
      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([{ outcome: 'summary' }]);
    });

    it.each([
      ['client_reference null', { client_reference: null }],
      ['client_reference ""', { client_reference: '' }],
      ['operator_status_at null', { operator_status_at: null }],
      [
        'at null and every optional field null',
        { at: null, applied_originator: null, encoding: null, operator: null },
      ],
      ['code and number_of_message_parts as strings', { code: '0', number_of_message_parts: '2' }],
    ])('When a recipient report has %s, then it is applied', async (_name, fields) => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });
      const sent = await sendThroughFakeSinch(app, { batchId: BATCH });

      await post(app, recipientReport(fields)).expect(200);

      const res = await request(app).get(`/messages/${sent.messageId}`).expect(200);
      expect(res.body.status).toBe('Delivered');
      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([{ outcome: 'applied' }]);
    });

    it.each([
      ['with Z and milliseconds', '2026-11-28T10:00:05.000Z', '2026-11-28T10:00:05.000Z'],
      ['without milliseconds', '2026-11-28T10:00:05Z', '2026-11-28T10:00:05.000Z'],
      ['with microseconds', '2026-11-28T10:00:05.123456Z', '2026-11-28T10:00:05.123Z'],
      ['with +00:00', '2026-11-28T10:00:05+00:00', '2026-11-28T10:00:05.000Z'],
      ['with +0100', '2026-11-28T11:00:05+0100', '2026-11-28T10:00:05.000Z'],
      ['with no offset (UTC)', '2026-11-28T10:00:05', '2026-11-28T10:00:05.000Z'],
      ['with a space for T and no offset', '2026-11-28 10:00:05.5', '2026-11-28T10:00:05.500Z'],
    ])(
      'When the report time is written %s, then it is stored as the same instant',
      async (_name, at, stored) => {
        const { target: app, db } = await makeTestApp({ entry, db: kind });
        await sendThroughFakeSinch(app, { batchId: BATCH });

        await post(app, recipientReport({ at, operator_status_at: at })).expect(200);

        const row = await db
          .selectFrom('recipients')
          .select(['status_at', 'operator_status_at'])
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ status_at: stored, operator_status_at: stored });
      },
    );

    it('When an inbound STOP has null operator_id, sent_at and received_at, then it is stored and the number is opted out', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, {
        type: 'mo_text',
        id: '01JLENIENTINBOUND000000000',
        from: '15557654321',
        to: '15550001111',
        body: 'STOP',
        operator_id: null,
        sent_at: null,
        received_at: null,
        client_reference: null,
      }).expect(200);

      const inbound = await db
        .selectFrom('inbound_messages')
        .select(['operator_id', 'sent_at', 'received_at'])
        .execute();
      expect(inbound).toEqual([{ operator_id: null, sent_at: null, received_at: null }]);
      const optOut = await db.selectFrom('opt_outs').select(['msisdn', 'source']).execute();
      expect(optOut).toEqual([{ msisdn: '15557654321', source: 'keyword' }]);
    });

    it('When an inbound has operator_id "" and client_reference "", then both are stored as absent', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, {
        type: 'mo_text',
        id: '01JLENIENTINBOUND000000001',
        from: '15557654321',
        to: '15550001111',
        body: 'hello',
        operator_id: '',
        client_reference: '',
        received_at: '2026-11-28T10:00:05Z',
      }).expect(200);

      const inbound = await db
        .selectFrom('inbound_messages')
        .select(['operator_id', 'client_reference'])
        .execute();
      expect(inbound).toEqual([{ operator_id: null, client_reference: null }]);
    });

    it('When a known type still does not fit (a count that is not a number), then it is kept as invalid and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, {
        type: 'delivery_report_sms',
        batch_id: BATCH,
        statuses: [{ code: 0, status: 'Delivered', count: 'many' }],
      }).expect(200);

      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([{ outcome: 'invalid' }]);
    });
  },
);
