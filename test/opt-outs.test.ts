import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { findOptedOut } from '../src/opt-outs/opt-outs.repository';
import { makeTestApp, sendThroughFakeSinch, testConfig } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { moText, postCallback, recipientReport } from './helpers/opt-outs';
import { API_KEY, makeSecureApp } from './helpers/security';

const NUMBER = '15551230001';
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, seconds)).toISOString();

async function events(db: Awaited<ReturnType<typeof makeTestApp>>['db']) {
  return db
    .selectFrom('opt_out_events')
    .select(['action', 'source', 'reason', 'outcome'])
    .orderBy('id')
    .execute();
}

describe.each(DB_KINDS)('opt-outs from callbacks, on %s', (kind) => {
  it.each([['STOP'], ['  stop\n'], ['Unsubscribe'], ['QUIT']])(
    'When a mo_text says %j, then the sender is opted out with the keyword recorded',
    async (body) => {
      const { app, db } = await makeTestApp({ db: kind });
      const inbound = moText(`+${NUMBER}`, body);

      await postCallback(app, inbound);

      const found = await findOptedOut(db, [NUMBER, '15559999999']);
      expect([...found.keys()]).toEqual([NUMBER]);
      expect(found.get(NUMBER)).toMatchObject({ source: 'keyword', reason: body.trim().toUpperCase() });
      const row = await db.selectFrom('opt_outs').selectAll().executeTakeFirst();
      expect(row?.reference).toBe(inbound.id);
    },
  );

  it('When a text merely contains a stop word, then nobody is opted out and the inbound is still stored', async () => {
    const { app, db } = await makeTestApp({ db: kind });

    await postCallback(app, moText(NUMBER, 'please stop texting me'));

    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
    expect(await db.selectFrom('inbound_messages').select('body').execute()).toHaveLength(1);
  });

  it('When START follows STOP, then the number is off the list; a later STOP puts it back', async () => {
    const { app, db } = await makeTestApp({ db: kind });

    await postCallback(app, moText(NUMBER, 'STOP', { receivedAt: at(1) }));
    await postCallback(app, moText(NUMBER, 'start', { receivedAt: at(2) }));
    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);

    await postCallback(app, moText(NUMBER, 'Stop', { receivedAt: at(3) }));
    expect((await findOptedOut(db, [NUMBER])).get(NUMBER)?.reason).toBe('STOP');
    expect((await events(db)).map((e) => e.action)).toEqual(['opt_out', 'opt_in', 'opt_out']);
  });

  it('When Sinch retries a STOP after the START that followed it, then the retry changes nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const stop = moText(NUMBER, 'STOP', { receivedAt: at(1) });

    await postCallback(app, stop);
    await postCallback(app, stop);
    await postCallback(app, moText(NUMBER, 'UNSTOP', { receivedAt: at(2) }));
    await postCallback(app, stop);

    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
    expect(await events(db)).toHaveLength(2);
  });

  it('When a START arrives before an earlier STOP (a retried callback), then the later START still decides', async () => {
    const { app, db } = await makeTestApp({ db: kind });

    await postCallback(app, moText(NUMBER, 'START', { receivedAt: at(5) }));
    await postCallback(app, moText(NUMBER, 'STOP', { receivedAt: at(1) }));

    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
    expect((await events(db)).map((e) => e.outcome)).toEqual(['applied', 'stale']);
  });

  it('When keywords are configured, then ARRET opts out and NonArret opts in; without them ARRET is only a text', async () => {
    const config = testConfig({
      optOuts: { extraOptOutKeywords: ['ARRET'], extraOptInKeywords: ['NONARRET'], deliveryCodes: [257] },
    });
    const { app, db } = await makeTestApp({ db: kind, config });
    const plain = await makeTestApp({ db: kind });

    await postCallback(app, moText(NUMBER, ' arret ', { receivedAt: at(1) }));
    await postCallback(plain.app, moText(NUMBER, 'ARRET'));
    expect((await findOptedOut(db, [NUMBER])).get(NUMBER)?.reason).toBe('ARRET');
    expect((await findOptedOut(plain.db, [NUMBER])).size).toBe(0);

    await postCallback(app, moText(NUMBER, 'NonArret', { receivedAt: at(2) }));
    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
  });

  it('When a recipient report carries code 257, then the recipient is opted out by delivery code, once', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { to: `+${NUMBER}`, batchId: '01JOPTOUT00000000000000257' });
    const report = recipientReport(sent.batchId, NUMBER, 'Failed', 257);

    await postCallback(app, report);
    await postCallback(app, report);

    expect((await findOptedOut(db, [`+${NUMBER}`])).get(NUMBER)).toMatchObject({
      source: 'delivery_code',
      reason: '257',
    });
    const row = await db.selectFrom('opt_outs').select('reference').executeTakeFirst();
    expect(row?.reference).toBe(sent.batchId);
    expect(await events(db)).toHaveLength(1);
  });

  it('When a report carries another code, or 257 is switched off, then nobody is opted out', async () => {
    const off = testConfig({
      optOuts: { extraOptOutKeywords: [], extraOptInKeywords: [], deliveryCodes: [] },
    });
    const { app, db } = await makeTestApp({ db: kind, config: off });
    const sent = await sendThroughFakeSinch(app, { to: `+${NUMBER}`, batchId: '01JOPTOUT00000000000000OFF' });

    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Failed', 257));
    await postCallback(app, recipientReport(sent.batchId, NUMBER, 'Failed', 153));

    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
  });
});

describe.each(DB_KINDS)('GET and DELETE /opt-outs, on %s', (kind) => {
  it('When more numbers opted out than fit a page, then paging returns each once, newest first', async () => {
    const { app } = await makeTestApp({ db: kind });
    const numbers = Array.from({ length: 7 }, (_, i) => `1555123000${i}`);
    for (const n of numbers) await postCallback(app, moText(n, 'STOP'));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(app)
        .get('/opt-outs')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.optOuts.map((o: { number: string }) => o.number));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual(numbers.map((n) => `+${n}`).reverse());
  });

  it('When an entry is listed, then it shows number with +, source, reason, reference and createdAt', async () => {
    const { app } = await makeTestApp({ db: kind });
    const inbound = moText(NUMBER, 'END');
    await postCallback(app, inbound);

    const res = await request(app).get('/opt-outs');

    expect(res.body).toEqual({
      optOuts: [
        {
          number: `+${NUMBER}`,
          source: 'keyword',
          reason: 'END',
          reference: inbound.id,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
  });

  it('When an operator deletes an opted-out number, then it is off the list (204), and a second delete is 404', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    await postCallback(app, moText(NUMBER, 'STOP'));

    const removed = await request(app).delete(`/opt-outs/${encodeURIComponent(`+${NUMBER}`)}`);
    const again = await request(app).delete(`/opt-outs/${NUMBER}`);

    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('NOT_FOUND');
    expect((await findOptedOut(db, [NUMBER])).size).toBe(0);
    expect((await events(db)).map((e) => e.source)).toEqual(['keyword', 'operator']);
  });
});

describe('/opt-outs, bad input and API keys', () => {
  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['page=2', 'page'],
  ])('When GET /opt-outs?%s, then it answers 400 naming %s', async (query, field) => {
    const { app } = await makeTestApp();
    const res = await request(app).get(`/opt-outs?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('When DELETE /opt-outs names something that is not a number, then it answers 400', async () => {
    const { app } = await makeTestApp();
    const res = await request(app).delete('/opt-outs/abc');
    expect(res.status).toBe(400);
  });

  it('When no API key is sent, then GET and DELETE /opt-outs answer 401; with one, 200', async () => {
    const { app } = await makeSecureApp();
    expect((await request(app).get('/opt-outs')).status).toBe(401);
    expect((await request(app).delete(`/opt-outs/${NUMBER}`)).status).toBe(401);
    expect((await request(app).get('/opt-outs').set('X-API-Key', API_KEY)).status).toBe(200);
  });
});

describe('opt-out settings', () => {
  const base = { SINCH_SERVICE_PLAN_ID: 'plan', SINCH_API_TOKEN: 'token', SINCH_NUMBER: '+15550001111' };

  it('When nothing is set, then the built-in words apply and code 257 opts out', () => {
    const result = loadConfig(base);
    expect(result.ok && result.config.optOuts).toEqual({
      extraOptOutKeywords: [],
      extraOptInKeywords: [],
      deliveryCodes: [257],
    });
  });

  it('When keywords and codes are set, then they are parsed, upper-cased; none switches codes off', () => {
    const result = loadConfig({
      ...base,
      OPT_OUT_KEYWORDS: 'arret, Stopp,',
      OPT_IN_KEYWORDS: 'nonarret',
      OPT_OUT_DELIVERY_CODES: 'none',
    });
    expect(result.ok && result.config.optOuts).toEqual({
      extraOptOutKeywords: ['ARRET', 'STOPP'],
      extraOptInKeywords: ['NONARRET'],
      deliveryCodes: [],
    });
  });

  it.each([
    [{ OPT_IN_KEYWORDS: 'stop' }, 'OPT_IN_KEYWORDS'],
    [{ OPT_OUT_KEYWORDS: 'two words' }, 'OPT_OUT_KEYWORDS'],
    [{ OPT_OUT_DELIVERY_CODES: '257,abc' }, 'OPT_OUT_DELIVERY_CODES'],
  ])('When %j, then the configuration is refused naming %s', (env, name) => {
    const result = loadConfig({ ...base, ...env });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toContain(name);
  });
});
