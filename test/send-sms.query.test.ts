import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import type { Express } from 'express';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN } from './helpers/app';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;
const valid = { to: '+15551234567', message: 'Hello' };

describe('POST /send-sms, the query string', () => {
  it.each([
    ['dryRun=1', 'dryRun'],
    ['dryRun=TRUE', 'dryRun'],
    ['dryRun', 'dryRun'],
    ['dryRun=yes', 'dryRun'],
    ['dryRun=true&dryRun=true', 'dryRun'],
    ['dry_run=true', 'dry_run'],
    ['colour=red', 'colour'],
  ])(
    'When it is ?%s, then it answers 400 naming %s, sends nothing and stores nothing',
    async (query, field) => {
      const { app, db } = await makeTestApp();
      const sinch = nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

      const res = await request(app).post(`/send-sms?${query}`).send(valid);

      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(sinch.isDone()).toBe(false);
      expect(await db.selectFrom('messages').selectAll().execute()).toEqual([]);
    },
  );

  it('When it is ?dryRun=false, then the message is sent for real (202)', async () => {
    const { app } = await makeTestApp();
    const sinch = nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

    const res = await request(app).post('/send-sms?dryRun=false').send(valid);

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(sinch.isDone()).toBe(true);
  });

  it('When ?dry_run=true comes with an Idempotency-Key, then the 400 does not take the key', async () => {
    const { app } = await makeTestApp();
    nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

    const refused = await request(app)
      .post('/send-sms?dry_run=true')
      .set('Idempotency-Key', 'k-1')
      .send(valid);
    const sent = await request(app).post('/send-sms').set('Idempotency-Key', 'k-1').send(valid);

    expect(refused.status).toBe(400);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  });
});

/** Writes a request by hand, so no client adds a Content-Length of its own; answers status and body. */
async function rawRequest(
  app: Express,
  head: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end(`${head}Connection: close\r\n\r\n`);
    let answer = '';
    for await (const chunk of socket) answer += chunk;
    const [status = ''] = answer.split('\r\n');
    return {
      status: Number(status.split(' ')[1]),
      body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)),
    };
  } finally {
    server.close();
  }
}

describe('POST /send-sms, an empty body', () => {
  it('When it is sent as application/json with no Content-Length (as curl does), then it answers 400, not 415', async () => {
    const { app } = await makeTestApp();
    const sinch = nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

    const res = await rawRequest(
      app,
      'POST /send-sms HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n',
    );

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      error: 'Invalid request body: the request body is required.',
      requestId: expect.any(String),
    });
    expect(sinch.isDone()).toBe(false);
  });

  it('When it is sent as application/json with Content-Length: 0, then it answers 400 naming the fields', async () => {
    const { app } = await makeTestApp();

    const res = await request(app).post('/send-sms').set('Content-Type', 'application/json').send('');

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe('Invalid request body: `to` is required; `message` is required.');
  });
});
