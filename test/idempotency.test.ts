import nock from 'nock';
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildApp } from '../src/app';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { createSinchClient } from '../src/sinch/sinch.client';
import { FAKE_SINCH, makeTestApp, sinchBatch, TEST_PLAN, testConfig } from './helpers/app';
import { createTestDatabase, DB_KINDS } from './helpers/databases';

const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;
const body = { to: '+15551234567', message: 'Exactly once' };
type App = Parameters<typeof request>[0];

const send = (app: App, key: string, payload: object = body) =>
  request(app).post('/send-sms').set('Idempotency-Key', key).send(payload);

describe.each(DB_KINDS)('Idempotency-Key on POST /send-sms, on %s', (kind) => {
  it('When the same key and body come twice, then the first answer is replayed and Sinch is called once', async () => {
    const { app } = await makeTestApp({ db: kind });
    const sinch = nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(201, sinchBatch({ id: '01JIDEM000000000000000000A' }));

    const first = await send(app, 'order-42-attempt');
    const second = await send(app, 'order-42-attempt');

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(sinch.isDone()).toBe(true);
  });

  it('When the same key comes with another body, then it answers 422 and sends nothing', async () => {
    const { app } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH).post(batchesPath).once().reply(201, sinchBatch());

    await send(app, 'key-reused-1').expect(202);
    const second = await send(app, 'key-reused-1', { ...body, message: 'Something else' });

    expect(second.status).toBe(422);
    expect(second.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('When the same body comes with its keys in another order, then it counts as the same request', async () => {
    const { app } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH).post(batchesPath).once().reply(201, sinchBatch());

    await send(app, 'key-order').expect(202);
    const second = await send(app, 'key-order', { message: body.message, to: body.to });

    expect(second.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
  });

  it('When the service restarts between the two, then the answer is still replayed', async () => {
    const database = await createTestDatabase(kind);
    const config = testConfig();
    const start = async () => {
      const db = await database.open();
      const metrics = createMetrics({ processMetrics: false });
      const sinch = createSinchClient(config.sinch);
      return { db, app: buildApp({ config, logger: createLogger('silent'), sinch, db, metrics }) };
    };
    try {
      nock(FAKE_SINCH)
        .post(batchesPath)
        .once()
        .reply(201, sinchBatch({ id: '01JRESTARTIDEM00000000000A' }));
      const first = await start();
      const a = await send(first.app, 'survives-restart');
      await first.db.destroy();

      const second = await start();
      const b = await send(second.app, 'survives-restart');
      await second.db.destroy();

      expect(a.status).toBe(202);
      expect(b.body).toEqual(a.body);
    } finally {
      await database.drop();
    }
  });

  it('When two requests with one key race, then Sinch is called once and the other is told to retry', async () => {
    const { app } = await makeTestApp({ db: kind });
    // Sinch answers the first only once the other has been turned away, so the two overlap on any machine.
    let release = () => {};
    const turnedAway = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sinch = nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply((_uri, _body, callback) => {
        void turnedAway.then(() => callback(null, [201, sinchBatch()]));
      });
    const racing = () =>
      send(app, 'racing-key').then((res) => {
        if (res.status === 409) release();
        return res;
      });

    const [a, b] = await Promise.all([racing(), racing()]);

    expect([a.status, b.status].sort()).toEqual([202, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(sinch.isDone()).toBe(true);
  });

  it('When Sinch refused the first request, then the refusal is replayed rather than sent again', async () => {
    const { app } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(400, { code: 'syntax_invalid_parameter_format', text: 'no' });

    const first = await send(app, 'refused-once');
    const second = await send(app, 'refused-once');

    expect(first.status).toBe(502);
    expect(second.status).toBe(502);
    expect(second.headers['idempotent-replayed']).toBe('true');
  });

  it('When the key has expired, then the request runs again', async () => {
    const { app } = await makeTestApp({ db: kind, config: testConfig({ idempotencyTtlMs: 1 }) });
    const sinch = nock(FAKE_SINCH).post(batchesPath).twice().reply(201, sinchBatch());

    await send(app, 'short-lived').expect(202);
    // The clock moves past the key's expiry (only Date is faked: sockets and nock keep real timers).
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    vi.setSystemTime(Date.now() + 1_000);
    const second = await send(app, 'short-lived');

    expect(second.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(sinch.isDone()).toBe(true);
  });
});

/**
 * What a process that died mid-send leaves behind, made from a send that completed: the key still
 * in_progress with its lock run out, and, unless `messageToo` is false, the message as it was before
 * Sinch's answer was stored.
 */
async function rewindToCrash(db: import('../src/db/database').Db, messageId: string, messageToo = true) {
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'in_progress',
      response_status: null,
      response_body: null,
      locked_until: '2000-01-01T00:00:00.000Z',
    })
    .execute();
  if (!messageToo) return;
  await db
    .updateTable('messages')
    .set({ batch_id: null, send_status: 'Pending', expire_at: null })
    .where('id', '=', messageId)
    .execute();
  await db
    .updateTable('recipients')
    .set({ status: 'Pending', status_rank: 0 })
    .where('message_id', '=', messageId)
    .execute();
}

/** Sinch asked for the batch by reference, listing from shortly before the message was stored. */
const lookup = (reference: string) =>
  nock(FAKE_SINCH)
    .get(batchesPath)
    .query(
      (q) =>
        q.client_reference === reference &&
        q.page_size === '1' &&
        typeof q.start_date === 'string' &&
        Date.now() - Date.parse(q.start_date) < 15 * 60_000,
    );

describe.each(DB_KINDS)('Idempotency-Key after a crash in the middle of a send, on %s', (kind) => {
  it('When the process died after Sinch took the batch, then the retry finds that batch and sends nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const batch = sinchBatch({ id: '01JCRASHAFTER0000000000000', body: body.message });
    nock(FAKE_SINCH).post(batchesPath).once().reply(201, batch);
    const first = await send(app, 'crash-after-sinch').expect(202);
    await rewindToCrash(db, first.body.messageId);
    const found = lookup(first.body.messageId).reply(200, {
      batches: [{ ...batch, client_reference: first.body.messageId }],
      page: 0,
      page_size: 1,
      count: 1,
    });

    const retry = await send(app, 'crash-after-sinch');

    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      messageId: first.body.messageId,
      batchId: '01JCRASHAFTER0000000000000',
    });
    expect(found.isDone()).toBe(true);
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(1);
    const view = await request(app).get(`/messages/${first.body.messageId}`).expect(200);
    expect(view.body.status).toBe('Sent');
  });

  it('When the process died before Sinch had the batch, then the retry sends the same message once', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(201, sinchBatch({ id: '01JCRASHFIRST0000000000000' }));
    const first = await send(app, 'crash-before-sinch').expect(202);
    await rewindToCrash(db, first.body.messageId);
    const found = lookup(first.body.messageId).reply(200, { batches: [], page: 0, page_size: 1, count: 0 });
    const posted = nock(FAKE_SINCH)
      .post(batchesPath, (b) => b.client_reference === first.body.messageId)
      .once()
      .reply(201, sinchBatch({ id: '01JCRASHRESENT000000000000' }));

    const retry = await send(app, 'crash-before-sinch');

    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      messageId: first.body.messageId,
      batchId: '01JCRASHRESENT000000000000',
    });
    expect(found.isDone()).toBe(true);
    expect(posted.isDone()).toBe(true);
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(1);
  });

  it('When the crashed send is two days old, then the retry asks Sinch from then, finds the batch and sends nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const batch = sinchBatch({ id: '01JCRASHTWODAYS00000000000', body: body.message });
    nock(FAKE_SINCH).post(batchesPath).once().reply(201, batch);
    const first = await send(app, 'crash-two-days');
    await rewindToCrash(db, first.body.messageId);
    const storedAt = Date.now() - 2 * 86_400_000;
    await db
      .updateTable('messages')
      .set({ created_at: new Date(storedAt).toISOString() })
      .where('id', '=', first.body.messageId)
      .execute();
    const found = nock(FAKE_SINCH)
      .get(batchesPath)
      .query((q) => {
        const from = Date.parse(String(q.start_date));
        return q.client_reference === first.body.messageId && from < storedAt && storedAt - from < 3_600_000;
      })
      .reply(200, {
        batches: [{ ...batch, client_reference: first.body.messageId }],
        page: 0,
        page_size: 1,
        count: 1,
      });

    const retry = await send(app, 'crash-two-days');

    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      messageId: first.body.messageId,
      batchId: '01JCRASHTWODAYS00000000000',
    });
    expect(found.isDone()).toBe(true);
  });

  it('When the crashed send is older than Sinch lists batches, then the retry answers 504 and sends nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(201, sinchBatch({ id: '01JCRASHOLD000000000000000' }));
    const first = await send(app, 'crash-long-ago').expect(202);
    await rewindToCrash(db, first.body.messageId);
    await db
      .updateTable('messages')
      .set({ created_at: new Date(Date.now() - 14 * 86_400_000).toISOString() })
      .where('id', '=', first.body.messageId)
      .execute();

    // No interceptor is left: any call to Sinch would fail differently.
    const retry = await send(app, 'crash-long-ago');

    expect(retry.status).toBe(504);
    expect(retry.body).toMatchObject({ code: 'SINCH_TIMEOUT', details: { messageId: first.body.messageId } });
  });

  it('When the process died and the retry brings another body under the key, then it answers 422 and sends nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(201, sinchBatch({ id: '01JCRASHOTHER0000000000000' }));
    const first = await send(app, 'crash-other-body').expect(202);
    await rewindToCrash(db, first.body.messageId);

    // No interceptor is left: any call to Sinch would fail the request.
    const retry = await send(app, 'crash-other-body', { to: '+15559999999', message: 'New text' });

    expect(retry.status).toBe(422);
    expect(retry.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(1);
  });

  it('When the process died after storing the batch but before answering, then the retry answers without Sinch', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    nock(FAKE_SINCH)
      .post(batchesPath)
      .once()
      .reply(201, sinchBatch({ id: '01JCRASHSTORED000000000000' }));
    const first = await send(app, 'crash-after-store').expect(202);
    await rewindToCrash(db, first.body.messageId, false);

    // No interceptor is left: any call to Sinch would fail the request.
    const retry = await send(app, 'crash-after-store');

    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({
      messageId: first.body.messageId,
      batchId: '01JCRASHSTORED000000000000',
    });
    expect(await db.selectFrom('messages').select('id').execute()).toHaveLength(1);
  });
});

describe('Idempotency-Key format', () => {
  it('When the key is not printable ASCII or too long, then it answers 400', async () => {
    const { app } = await makeTestApp();
    const res = await send(app, 'x'.repeat(256));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('When one caller sends its key once as Bearer and once as X-API-Key, then the retry is still a replay', async () => {
    const { app } = await makeTestApp({ config: testConfig({ apiKeys: ['caller-one-key-0001'] }) });
    const sinch = nock(FAKE_SINCH).post(batchesPath).once().reply(201, sinchBatch());

    const first = await send(app, 'either-header').set('Authorization', 'Bearer caller-one-key-0001');
    const second = await send(app, 'either-header').set('X-API-Key', 'caller-one-key-0001');

    expect(first.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(sinch.isDone()).toBe(true);
  });

  it('When two callers use the same key, then each gets their own answer', async () => {
    const { app } = await makeTestApp({
      config: testConfig({ apiKeys: ['caller-one-key-0001', 'caller-two-key-0002'] }),
    });
    nock(FAKE_SINCH).post(batchesPath).twice().reply(201, sinchBatch());

    const one = await send(app, 'shared').set('X-API-Key', 'caller-one-key-0001');
    const two = await send(app, 'shared').set('X-API-Key', 'caller-two-key-0002');

    expect(one.status).toBe(202);
    expect(two.status).toBe(202);
    expect(two.headers['idempotent-replayed']).toBeUndefined();
    expect(two.body.messageId).not.toBe(one.body.messageId);
  });
});
