import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { API_KEY, makeSecureApp } from './helpers/security';

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const MIN = 60_000;

/** A message stored `storedAgoMs` ago, its one recipient in `status`, Sinch's time `tookMs` later. */
async function seed(db: Db, storedAgoMs: number, status: string, tookMs?: number): Promise<void> {
  const id = newId();
  const createdAt = ago(storedAgoMs);
  await db
    .insertInto('messages')
    .values({
      id,
      batch_id: `B${id}`,
      client_reference: id,
      sender: '+15550001111',
      body: 'Hello',
      send_status: 'Sent',
      delivery_report: 'per_recipient',
      created_at: createdAt,
      updated_at: createdAt,
    })
    .execute();
  const statusAt = tookMs === undefined ? null : new Date(Date.parse(createdAt) + tookMs).toISOString();
  await db
    .insertInto('recipients')
    .values({
      message_id: id,
      msisdn: '15551234567',
      status,
      status_rank: 4,
      status_at: statusAt,
      updated_at: createdAt,
    })
    .execute();
}

describe.each(DB_KINDS)('GET /stats, on %s', (kind) => {
  it('When messages were sent in the last hour and day, then it counts recipients by status and gives p50 and p95 of time to delivery', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    // Last hour: twenty deliveries taking 1 s to 20 s, one failure. Earlier today: one slow delivery.
    for (let i = 1; i <= 20; i++) await seed(db, 10 * MIN, 'Delivered', i * 1000);
    await seed(db, 5 * MIN, 'Failed');
    await seed(db, 5 * 60 * MIN, 'Delivered', 600_000);
    // Two days ago: outside both windows.
    await seed(db, 48 * 60 * MIN, 'Delivered', 1000);

    const res = await request(app).get('/stats').expect(200);
    expect(res.body.lastHour).toMatchObject({
      recipients: 21,
      byStatus: { Delivered: 20, Failed: 1 },
      timeToDelivery: { count: 20, p50Ms: 10_000, p95Ms: 19_000 },
    });
    expect(res.body.lastDay).toMatchObject({
      recipients: 22,
      byStatus: { Delivered: 21, Failed: 1 },
      timeToDelivery: { count: 21, p50Ms: 11_000, p95Ms: 20_000 },
    });
  });

  it('When nothing was sent, then the counts are zero and the percentiles null', async () => {
    const { app } = await makeTestApp({ db: kind });
    const res = await request(app).get('/stats').expect(200);
    expect(res.body.lastHour).toMatchObject({
      recipients: 0,
      byStatus: {},
      timeToDelivery: { count: 0, p50Ms: null, p95Ms: null },
    });
  });
});

describe('GET /stats, authentication', () => {
  it('When no API key is sent, then it answers 401; with one, 200', async () => {
    const { app } = await makeSecureApp();
    await request(app).get('/stats').expect(401);
    await request(app).get('/stats').set('X-API-Key', API_KEY).expect(200);
  });
});
