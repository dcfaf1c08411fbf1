import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { RARE_STATUS_LIMIT } from '../src/messages/messages.repository';
import { statusRank } from '../src/tracking';
import { applyRecipientUpdate } from '../src/tracking/recipients.repository';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { API_KEY, makeSecureApp } from './helpers/security';

type App = Parameters<typeof request>[0];
const minute = (m: number) => new Date(Date.UTC(2026, 10, 28, 10, m)).toISOString();

/** Stores a sent message created at `createdAt` straight in the tables; returns its id. */
async function seed(db: Db, createdAt: string, msisdn = '15551234567', status?: string): Promise<string> {
  const id = newId();
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
  await db
    .insertInto('recipients')
    .values({
      message_id: id,
      msisdn,
      status: 'Sent',
      status_rank: statusRank('Sent'),
      updated_at: createdAt,
    })
    .execute();
  if (status) {
    await applyRecipientUpdate(
      db,
      id,
      { msisdn, status, code: 0, at: createdAt, operatorStatusAt: null },
      createdAt,
    );
  }
  return id;
}

/** Follows nextCursor to the end; returns every id in the order served and the number of pages. */
async function pageAll(app: App, query: Record<string, string | number>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await request(app)
      .get('/messages')
      .query({ ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.messages.map((m: { id: string }) => m.id));
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { ids, pages };
}

describe.each(DB_KINDS)('GET /messages on %s', (kind) => {
  it('When there are more messages than a page, then paging serves each once, newest first, ties included', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const seeded: Array<{ id: string; createdAt: string }> = [];
    // Three messages share each created_at, so the order must fall back on the id.
    for (let i = 0; i < 23; i++) {
      const createdAt = minute(Math.floor(i / 3));
      seeded.push({ id: await seed(db, createdAt), createdAt });
    }
    const expected = seeded
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      .map((m) => m.id);

    const { ids, pages } = await pageAll(app, { limit: 5 });

    expect(pages).toBe(5);
    expect(ids).toEqual(expected);
  });

  it('When nothing is asked, then up to 50 come back in the shape of GET /messages/:id without history', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const id = await seed(db, minute(1), '15551234567', 'Delivered');

    const res = await request(app).get('/messages');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      messages: [
        {
          id,
          batchId: `B${id}`,
          clientReference: id,
          from: '+15550001111',
          message: 'Hello',
          status: 'Delivered',
          sendStatus: 'Sent',
          deliveryReport: 'per_recipient',
          createdAt: minute(1),
          updatedAt: minute(1),
          recipients: [
            { to: '+15551234567', status: 'Delivered', code: 0, statusAt: minute(1), operatorStatusAt: null },
          ],
        },
      ],
      nextCursor: null,
    });
  });

  it('When a status is held by more recipients than count as rare, then listing by it still pages newest first', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    // Common: RARE_STATUS_LIMIT recipients Sent, in one insert; rare: three Failed among them.
    const rows = Array.from({ length: RARE_STATUS_LIMIT }, (_, i) => ({
      id: newId(),
      createdAt: new Date(Date.UTC(2026, 10, 28, 9, 0, 0, i)).toISOString(),
    }));
    await db
      .insertInto('messages')
      .values(
        rows.map((r) => ({
          id: r.id,
          batch_id: `B${r.id}`,
          client_reference: r.id,
          sender: '+15550001111',
          body: 'Hello',
          send_status: 'Sent',
          delivery_report: 'per_recipient',
          created_at: r.createdAt,
          updated_at: r.createdAt,
        })),
      )
      .execute();
    await db
      .insertInto('recipients')
      .values(
        rows.map((r) => ({
          message_id: r.id,
          msisdn: '15551234567',
          status: 'Sent',
          status_rank: statusRank('Sent'),
          updated_at: r.createdAt,
        })),
      )
      .execute();
    const failed = [
      await seed(db, minute(1), '15550000009', 'Failed'),
      await seed(db, minute(2), '15550000009', 'Failed'),
    ];

    const common = await request(app).get('/messages').query({ status: 'Sent', limit: 3 }).expect(200);
    const rare = await pageAll(app, { status: 'Failed', limit: 1 });

    const newest = rows
      .slice(-3)
      .reverse()
      .map((r) => r.id);
    expect(common.body.messages.map((m: { id: string }) => m.id)).toEqual(newest);
    expect(rare.ids).toEqual([...failed].reverse());
  });

  it('When filtered by status, recipient and time, then only matching messages come back, paged', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const delivered: string[] = [];
    for (let i = 0; i < 6; i++) {
      delivered.unshift(await seed(db, minute(i), '15550000001', 'Delivered'));
      await seed(db, minute(i), '15550000002', 'Failed');
      await seed(db, minute(i), '15550000001');
    }

    const byStatus = await pageAll(app, { status: 'delivered', limit: 4 });
    const byRecipient = await pageAll(app, { recipient: '+15550000002', limit: 4 });
    const byDigits = await pageAll(app, { recipient: '15550000002' });
    const both = await pageAll(app, { status: 'Sent', recipient: '15550000001' });
    const window = await pageAll(app, { since: minute(2), until: '2026-11-28T11:04:00+01:00' });

    expect(byStatus.ids).toEqual(delivered);
    expect(byStatus.pages).toBe(2);
    expect(byRecipient.ids).toHaveLength(6);
    expect(byDigits.ids).toEqual(byRecipient.ids);
    expect(both.ids).toHaveLength(6);
    // since is inclusive, until exclusive: minutes 2 and 3, three messages each.
    expect(window.ids).toHaveLength(6);
  });

  it('When the recipient is written with a raw + in the query string, then it still matches', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    await seed(db, minute(0), '15550000002');

    const res = await request(app).get('/messages?recipient=+15550000002');

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.messages).toHaveLength(1);
  });
});

describe('GET /messages, bad filters and API keys', () => {
  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=1.5', 'limit'],
    ['status=Bogus', 'status'],
    ['recipient=abc', 'recipient'],
    ['since=yesterday', 'since'],
    ['until=2026-13-01T00:00:00Z', 'until'],
    ['since=2026-11-28T10:00:00Z&until=2026-11-28T09:00:00Z', 'until'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['status=Delivered&status=Failed', 'status'],
    ['sort=asc', 'sort'],
  ])('When GET /messages?%s, then it answers 400 naming %s', async (query, field) => {
    const { app } = await makeTestApp();

    const res = await request(app).get(`/messages?${query}`);

    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('When no API key is sent, then GET /messages answers 401; with one, 200', async () => {
    const { app } = await makeSecureApp();
    expect((await request(app).get('/messages')).status).toBe(401);
    expect((await request(app).get('/messages').set('Authorization', `Bearer ${API_KEY}`)).status).toBe(200);
  });
});
