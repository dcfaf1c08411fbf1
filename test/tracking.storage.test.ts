import nock from 'nock';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { createSinchClient } from '../src/sinch/sinch.client';
import {
  FAKE_SINCH,
  makeTestApp,
  sendThroughFakeSinch,
  sinchBatch,
  TEST_PLAN,
  testConfig,
} from './helpers/app';
import { createTestDatabase, DB_KINDS } from './helpers/databases';
import { postReport, report, view } from './helpers/reports';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;

describe.each(DB_KINDS)('delivery tracking across restarts, outages and odd callbacks on %s', (kind) => {
  it('When the service restarts, then messages, statuses and history are all still there', async () => {
    const database = await createTestDatabase(kind);
    const config = testConfig();
    const start = async () => {
      const db = await database.open();
      const app = buildApp({
        config,
        logger: createLogger('silent'),
        sinch: createSinchClient(config.sinch),
        db,
        metrics: createMetrics({ processMetrics: false }),
      });
      return { app, db };
    };
    try {
      const first = await start();
      const sent = await sendThroughFakeSinch(first.app, { batchId: '01JRESTART0000000000000000' });
      await postReport(first.app, report(sent.batchId, 'Dispatched', 401, '2026-11-28T10:00:01.000Z')).expect(
        200,
      );
      await postReport(first.app, report(sent.batchId, 'Delivered', 0, '2026-11-28T10:00:05.000Z')).expect(
        200,
      );
      const before = await view(first.app, sent.messageId);
      await first.db.destroy();

      const second = await start();
      try {
        expect(await view(second.app, sent.messageId)).toEqual(before);
        expect(before.recipients[0].history.map((h: { status: string }) => h.status)).toEqual([
          'Dispatched',
          'Delivered',
        ]);
      } finally {
        await second.db.destroy();
      }
    } finally {
      await database.drop();
    }
  });

  it('When the database is down, then callbacks get 503 (so Sinch retries), sends get 503 without calling Sinch, and /health says DOWN', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    await db.destroy();
    const sinch = nock(FAKE_SINCH).post(batchesPath).reply(201, sinchBatch());

    const callback = await postReport(
      app,
      report('01JDOWN0000000000000000000', 'Delivered', 0, '2026-11-28T10:00:05.000Z'),
    );
    const send = await request(app).post('/send-sms').send({ to: '+15551234567', message: 'Hi' });
    const health = await request(app).get('/health');

    expect(callback.status).toBe(503);
    expect(callback.body.code).toBe('STORAGE_UNAVAILABLE');
    expect(send.status).toBe(503);
    expect(sinch.isDone()).toBe(false);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'DOWN', checks: { database: 'DOWN' } });
  });

  it.each([
    ['an over-long status', { status: 'X'.repeat(100) }, 200],
    ['an over-long batch id', { batch_id: 'B'.repeat(100) }, 200],
    ['a NUL in the status', { status: 'Deliv\u0000ered' }, 200],
  ])(
    'When a report has %s, then it is answered and kept in the log, never a 5xx Sinch would retry forever',
    async (_name, fields, status) => {
      const { app, db } = await makeTestApp({ db: kind });

      const res = await postReport(app, {
        ...report('01JLONG0000000000000000000', 'Delivered', 0, '2026-11-28T10:00:05.000Z'),
        ...fields,
      });

      expect(res.status).toBe(status);
      expect(await db.selectFrom('callbacks').select('outcome').execute()).toEqual([{ outcome: 'invalid' }]);
    },
  );

  it('When a callback of an unknown type has an over-long type, or an inbound text holds NUL, then both are stored', async () => {
    const { app, db } = await makeTestApp({ db: kind });

    await postReport(app, { type: 't'.repeat(200), batch_id: 'x' }).expect(200);
    await postReport(app, {
      type: 'mo_text',
      id: '01JNUL00000000000000000000',
      from: '+15551234567',
      to: '15550001111',
      body: 'he\u0000llo',
      received_at: 'not a date',
    }).expect(200);

    const inbound = await db.selectFrom('inbound_messages').select(['body', 'received_at']).execute();
    expect(inbound).toEqual([{ body: 'hello', received_at: null }]);
    expect(await db.selectFrom('callbacks').select('outcome').orderBy('id').execute()).toEqual([
      { outcome: 'unknown_type' },
      { outcome: 'inbound' },
    ]);
  });

  it('When the database is up, then /health says UP with the database check', async () => {
    const { app } = await makeTestApp({ db: kind });
    const res = await request(app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'UP', checks: { database: 'UP' } });
  });
});
