import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN, testConfig } from './helpers/app';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;

/** Captures what Sinch is sent, answering 201 with the echoed batch. */
function captureBatches() {
  const sent: Array<Record<string, unknown>> = [];
  const scope = nock(FAKE_SINCH)
    .post(batchesPath, (body) => {
      sent.push(body);
      return true;
    })
    .reply(201, (_uri, body) =>
      sinchBatch({ ...(body as object), id: `01JMSG${String(sent.length).padStart(20, '0')}` }),
    )
    .persist();
  return { sent, scope };
}

describe('encoding and parts', () => {
  it.each([
    ['160 GSM characters', 'a'.repeat(160), 'GSM', 1],
    ['161 GSM characters', 'a'.repeat(161), 'GSM', 2],
    ['159 characters and a euro sign (161 septets)', `${'a'.repeat(159)}€`, 'GSM', 2],
    ['70 UCS-2 characters', 'ж'.repeat(70), 'UNICODE', 1],
    ['71 UCS-2 characters', 'ж'.repeat(71), 'UNICODE', 2],
    ['69 characters and an emoji (71 units)', `${'a'.repeat(69)}😀`, 'UNICODE', 2],
  ])(
    'When the message is %s, then the 202 says %s in %i part(s)',
    async (_name, message, encoding, parts) => {
      const { app } = await makeTestApp();
      captureBatches();

      const res = await request(app).post('/send-sms').send({ to: '+15551234567', message });

      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ encoding, parts, to: ['+15551234567'] });
      const view = await request(app).get(`/messages/${res.body.messageId}`);
      expect(view.body).toMatchObject({ encoding, parts });
    },
  );

  it('When a message needs more parts than MAX_MESSAGE_PARTS, then it answers 400 and Sinch is never called', async () => {
    const { app } = await makeTestApp({ config: testConfig({ maxMessageParts: 1 }) });
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'a'.repeat(161) });

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.error).toContain('2 GSM parts');
    expect(sent).toHaveLength(0);
  });

  it('When MAX_MESSAGE_PARTS is set, then Sinch is told the same limit', async () => {
    const { app } = await makeTestApp({ config: testConfig({ maxMessageParts: 3 }) });
    const { sent } = captureBatches();

    await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hello' }).expect(202);

    expect(sent[0]?.max_number_of_message_parts).toBe(3);
  });

  it('When dryRun=true, then it answers the cost, stores nothing and Sinch is never called', async () => {
    const { app, db } = await makeTestApp();
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms?dryRun=true')
      .send({ to: ['+15551234567', '+15557654321'], message: 'ж'.repeat(71) });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      to: ['+15551234567', '+15557654321'],
      encoding: 'UNICODE',
      parts: 2,
      totalMessages: 4,
    });
    expect(sent).toHaveLength(0);
    expect(await db.selectFrom('messages').selectAll().execute()).toEqual([]);
  });
});

describe('bulk sends', () => {
  it('When to lists numbers with a duplicate, then one batch goes to each number once', async () => {
    const { app } = await makeTestApp();
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: ['+15551234567', '+15557654321', '+15551234567'], message: 'Hi all' });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual(['+15551234567', '+15557654321']);
    const view = await request(app).get(`/messages/${res.body.messageId}`);
    expect(view.body.recipients.map((r: { to: string }) => r.to)).toEqual(['+15551234567', '+15557654321']);
  });

  it('When one number in the list is not E.164, then it answers 400 naming that entry', async () => {
    const { app } = await makeTestApp();
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: ['+15551234567', '5557654321'], message: 'Hi' });

    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'to.1' }));
    expect(sent).toHaveLength(0);
  });

  it.each([
    ['an empty list', []],
    ['1001 numbers', Array.from({ length: 1001 }, (_, i) => `+1555${String(i).padStart(7, '0')}`)],
  ])('When to is %s, then it answers 400', async (_name, to) => {
    const { app } = await makeTestApp();
    const res = await request(app).post('/send-sms').send({ to, message: 'Hi' });
    expect(res.status).toBe(400);
  });

  it('When some numbers are outside the allow-list, then the rest are sent and each refused one is reported', async () => {
    const config = testConfig({
      sendLimits: {
        allowedDestinationPrefixes: ['1'],
        maxPerNumberPerHour: 0,
        maxPerDay: 0,
        maxPerKeyPerDay: 0,
      },
    });
    const { app } = await makeTestApp({ config });
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: ['+15551234567', '+447700900123', '+15557654321'], message: 'Hi' });

    expect(res.status).toBe(202);
    expect(sent[0]?.to).toEqual(['+15551234567', '+15557654321']);
    expect(res.body.skipped).toEqual([
      { to: '+447700900123', code: 'FORBIDDEN_DESTINATION', reason: expect.any(String) },
    ]);
  });

  it('When every number is refused, then it answers with the refusal and lists each number', async () => {
    const config = testConfig({
      sendLimits: {
        allowedDestinationPrefixes: ['1'],
        maxPerNumberPerHour: 0,
        maxPerDay: 0,
        maxPerKeyPerDay: 0,
      },
    });
    const { app } = await makeTestApp({ config });
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: ['+447700900123', '+33612345678'], message: 'Hi' });

    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_DESTINATION');
    expect(res.body.details.skipped).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });

  it('When a bulk send would pass the daily cap, then nothing is sent', async () => {
    const config = testConfig({
      sendLimits: {
        allowedDestinationPrefixes: [],
        maxPerNumberPerHour: 0,
        maxPerDay: 2,
        maxPerKeyPerDay: 0,
      },
    });
    const { app } = await makeTestApp({ config });
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: ['+15551230001', '+15551230002', '+15551230003'], message: 'Hi' });

    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DAILY_CAP_REACHED');
    expect(sent).toHaveLength(0);
  });
});

describe('scheduling', () => {
  const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

  it('When sendAt and expireAt are valid, then Sinch gets them and the answer and the message show them', async () => {
    const { app } = await makeTestApp();
    const { sent } = captureBatches();
    const sendAt = inHours(2);
    const expireAt = inHours(26);

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'Later', sendAt, expireAt });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(sent[0]).toMatchObject({ send_at: sendAt, expire_at: expireAt });
    expect(res.body).toMatchObject({ sendAt, expireAt });
    const view = await request(app).get(`/messages/${res.body.messageId}`);
    expect(view.body).toMatchObject({ sendAt, expireAt });
  });

  it.each([
    ['expireAt before sendAt', { sendAt: inHours(5), expireAt: inHours(4) }, 'expireAt'],
    ['expireAt more than 3 days after sendAt', { sendAt: inHours(1), expireAt: inHours(74) }, 'expireAt'],
    ['expireAt in the past', { expireAt: inHours(-1) }, 'expireAt'],
    ['sendAt not a date', { sendAt: 'tomorrow' }, 'sendAt'],
    ['sendAt without an offset', { sendAt: '2026-12-01T09:00:00' }, 'sendAt'],
  ])('When %s, then it answers 400 naming the field', async (_name, fields, field) => {
    const { app } = await makeTestApp();
    const { sent } = captureBatches();

    const res = await request(app)
      .post('/send-sms')
      .send({ to: '+15551234567', message: 'Later', ...fields });

    expect(res.status).toBe(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
    expect(sent).toHaveLength(0);
  });
});
