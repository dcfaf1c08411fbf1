import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CALLBACK_ENTRIES, type LogCapture, makeTestApp, type Target, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

// Issue 13 items 2, 5 and 9: bodies an attacker (or a broken sender) posts to the callback URL. Each is
// either refused with a 4xx because it can never be valid, or stored and answered 200; never a 5xx,
// and the service stays live.

const BATCH = '01JHOSTILE0000000000000000';

/** A JSON text nested `depth` deep, as a hostile client writes it (no serialiser would). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function post(app: Target, body: string | object) {
  return request(app)
    .post('/webhooks/dlr')
    .set('Content-Type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

async function expectLive(app: Target): Promise<void> {
  await request(app).get('/health/live').expect(200);
}

const recipientReport = (fields: Record<string, unknown> = {}) => ({
  type: 'recipient_delivery_report_sms',
  batch_id: BATCH,
  recipient: '15551234567',
  code: 0,
  status: 'Delivered',
  at: '2026-12-02T10:00:05.000Z',
  ...fields,
});

const fullReport = (recipients: number) => ({
  type: 'delivery_report_sms',
  batch_id: BATCH,
  statuses: [
    {
      code: 0,
      status: 'Delivered',
      count: recipients,
      recipients: Array.from({ length: recipients }, (_, i) => `1555${String(i).padStart(7, '0')}`),
    },
  ],
});

const refusalLogged = (logs: LogCapture, msg: string) => expect(logs.find(msg)).toHaveLength(1);

describe.each(DB_KINDS.flatMap((kind) => CALLBACK_ENTRIES.map((entry) => [kind, entry] as const)))(
  'POST /webhooks/dlr, hostile bodies, on %s, through %s',
  (kind, entry) => {
    it.each([
      ['2147483648 (one past 32 bits)', 2147483648],
      ['3e9', 3e9],
      ['-2147483649', -2147483649],
      ['"3000000000" as a string', '3000000000'],
    ])(
      'When a recipient report has code %s, then it is kept as invalid and answered 200',
      async (_name, code) => {
        const { target: app, db } = await makeTestApp({ entry, db: kind });

        const res = await post(app, recipientReport({ code }));

        expect(res.status, res.text).toBe(200);
        const rows = await db.selectFrom('callbacks').select(['outcome', 'payload']).execute();
        expect(rows).toEqual([{ outcome: 'invalid', payload: JSON.stringify(recipientReport({ code })) }]);
        await expectLive(app);
      },
    );

    it('When a full report has a code out of 32 bits, then it is kept as invalid and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });
      const report = fullReport(2);
      (report.statuses[0] as { code: number }).code = 2147483648;

      await post(app, report).expect(200);

      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([{ outcome: 'invalid' }]);
    });

    it('When fields carry NUL characters, then the callback is stored (as invalid, unknown or inbound without the NUL) and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, recipientReport({ batch_id: 'AB\u0000CD' })).expect(200);
      await post(app, { type: 'mo_\u0000text', id: 'x' }).expect(200);
      await post(app, {
        type: 'mo_text',
        id: '01JHOSTILEINBOUND000000000',
        from: '15557654321',
        to: '15550001111',
        body: 'hi\u0000there',
      }).expect(200);

      const outcomes = await db.selectFrom('callbacks').select('outcome').orderBy('id').execute();
      expect(outcomes.map((row) => row.outcome)).toEqual(['invalid', 'unknown_type', 'inbound']);
      const inbound = await db.selectFrom('inbound_messages').select('body').executeTakeFirstOrThrow();
      expect(inbound.body).toBe('hithere');
      await expectLive(app);
    });

    it('When strings hold a lone surrogate or an escaped slash, then it is stored and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(
        app,
        `{"type":"recipient_delivery_report_sms","batch_id":"\\ud800","recipient":"1\\/5",
      "code":0,"status":"Delivered"}`,
      ).expect(200);

      expect(await db.selectFrom('callbacks').select('outcome').execute()).toHaveLength(1);
    });

    it.each([
      ['an escape JSON does not have', '{"type":"mo_text","id":"\\x41"}'],
      ['a raw NUL byte inside a string', '{"type":"mo_text","id":"a\u0000b"}'],
      ['a truncated body', '{"type":"mo_text","id":"abc'],
    ])('When the body has %s, then it answers 400 INVALID_JSON and stores nothing', async (_name, body) => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      const res = await post(app, body);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'INVALID_JSON', requestId: expect.any(String) });
      expect(await db.selectFrom('callbacks').select('id').execute()).toEqual([]);
      await expectLive(app);
    });

    it('When an inbound body is nested 5,000 deep, then it answers 400 in the JSON shape before parsing, logs why and stores nothing', async () => {
      const { target: app, db, logs } = await makeTestApp({ entry, db: kind });
      const body = `{"type":"mo_text","id":"01JHOSTILEDEEP","from":"1555","to":"1555","body":${nested(5_000)}}`;

      const res = await post(app, body);

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'BAD_REQUEST', requestId: expect.any(String) });
      expect(res.body.error).toMatch(/deeper than 32 levels/);
      refusalLogged(logs, 'callback refused: JSON body nested too deep');
      expect(await db.selectFrom('callbacks').select('id').execute()).toEqual([]);
      await expectLive(app);
    });

    it('When a body is nested exactly JSON_MAX_DEPTH deep, then it is stored and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });
      // The object itself is level 1: 31 more levels under `x` make 32.
      await post(app, `{"type":"something_new","x":${nested(31)}}`).expect(200);
      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([
        { outcome: 'unknown_type' },
      ]);
    });

    it('When the depth limit is raised and an inbound body nests 100,000 deep, then the part the database cannot take is recorded and the callback kept as invalid with 200', async () => {
      const config = testConfig();
      config.limits = { ...config.limits, jsonMaxDepth: 1_000_000, callbackMaxBodyBytes: 4 * 1024 * 1024 };
      const { target: app, db, logs } = await makeTestApp({ entry, db: kind, config });
      const body = `{"type":"mo_text","id":"01JHOSTILEDEEP","from":"1555","to":"1555","body":${nested(100_000)}}`;

      const res = await post(app, body);

      expect(res.status, res.text).toBe(200);
      const row = await db
        .selectFrom('callbacks')
        .select(['outcome', 'problem', 'payload'])
        .executeTakeFirstOrThrow();
      expect(row.outcome).toBe('invalid');
      expect(row.problem).toMatch(/call stack/);
      expect(row.payload).toBe(body);
      expect(
        logs.find('callback the database cannot store as it is: kept as invalid, not applied'),
      ).toHaveLength(1);
      await expectLive(app);
    });

    it('When the body is over CALLBACK_MAX_BODY_KB (256 KiB), then it answers 413 in the JSON shape and logs the limit', async () => {
      const { target: app, db, logs } = await makeTestApp({ entry, db: kind });

      const res = await post(app, { type: 'mo_text', id: 'big', body: 'x'.repeat(257 * 1024) });

      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
      const [line] = logs.find('request refused: body over the limit of its route');
      expect(line).toMatchObject({ limit: 256 * 1024 });
      expect(await db.selectFrom('callbacks').select('id').execute()).toEqual([]);
      await expectLive(app);
    });

    it('When a full report names 1,000 recipients, then it is stored (unmatched) and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, fullReport(1_000)).expect(200);

      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([
        { outcome: 'unmatched' },
      ]);
    });

    it('When a full report names 1,001 recipients (more than a batch holds), then it answers 400, logs why and stores nothing', async () => {
      const { target: app, db, logs } = await makeTestApp({ entry, db: kind });

      const res = await post(app, fullReport(1_001));

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'BAD_REQUEST' });
      expect(res.body.error).toMatch(/1001 recipients; a batch holds 1000 at most/);
      refusalLogged(logs, 'callback refused: too many recipients');
      expect(await db.selectFrom('callbacks').select('id').execute()).toEqual([]);
      await expectLive(app);
    });

    it('When numbers are huge, fractional or negative in counts, then the callback is stored and answered 200', async () => {
      const { target: app, db } = await makeTestApp({ entry, db: kind });

      await post(app, {
        type: 'delivery_report_sms',
        batch_id: BATCH,
        total_message_count: 1e308,
        statuses: [{ code: 0.5, status: 'Delivered', count: -1 }],
      }).expect(200);
      // 1e400 parses as Infinity; 1e21 is past the safe integers.
      const huge = JSON.stringify(recipientReport({ code: 0 })).replace(
        '"code":0',
        '"code":1e21,"number_of_message_parts":1e400',
      );
      await post(app, huge).expect(200);

      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([
        { outcome: 'invalid' },
        { outcome: 'invalid' },
      ]);
    });
  },
);
