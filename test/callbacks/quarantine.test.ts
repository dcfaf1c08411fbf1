import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { applierFor } from '../../src/callbacks/callback-writer';
import { reapplyQuarantined } from '../../src/callbacks/quarantine.service';
import type { Config } from '../../src/config';
import type { Db } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { optOutRules } from '../../src/opt-outs';
import { CALLBACK_ENTRIES, makeTestApp, sendThroughFakeSinch, type Target, testConfig } from '../helpers/app';
import { DB_KINDS } from '../helpers/databases';
import {
  BASIC_PASSWORD,
  BASIC_USER,
  basicAuthHeader,
  OLD_WEBHOOK_SECRET,
  sinchSignatureHeaders,
  WEBHOOK_SECRET,
} from '../helpers/security';

const BATCH = '01JQUARANTINE0000000000000';
const applier = applierFor(optOutRules(undefined));
const silent = createLogger('silent');
const nowSeconds = () => Math.floor(Date.now() / 1000);

const report = (at = '2026-11-28T10:00:05.000Z') =>
  JSON.stringify({
    type: 'recipient_delivery_report_sms',
    batch_id: BATCH,
    recipient: '15551234567',
    code: 0,
    status: 'Delivered',
    at,
  });

function withAuth(
  auth: Partial<Config['webhookAuth']>,
  quarantine: Partial<Config['callbackQuarantine']> = {},
) {
  const base = testConfig();
  return testConfig({
    webhookAuth: { ...base.webhookAuth, ...auth },
    callbackQuarantine: { ...base.callbackQuarantine, ...quarantine },
  });
}

function post(app: Target, body: string, headers: Record<string, string>) {
  return request(app).post('/webhooks/dlr').set('Content-Type', 'application/json').set(headers).send(body);
}

const quarantined = (db: Db) =>
  db.selectFrom('callback_quarantine').select(['reason', 'headers', 'body']).orderBy('id').execute();

describe.each(DB_KINDS.flatMap((kind) => CALLBACK_ENTRIES.map((entry) => [kind, entry] as const)))(
  'the quarantine of refused callbacks, on %s, through %s',
  (kind, entry) => {
    it('When a callback is refused for a wrong secret, then it is answered 401, kept and counted, and applied once the secret is fixed and reapply runs', async () => {
      // The service was given the old secret while Sinch already signs with the new one.
      const wrong = withAuth({ hmacSecrets: [OLD_WEBHOOK_SECRET] });
      const { target: app, db, metrics } = await makeTestApp({ entry, db: kind, config: wrong });
      const sent = await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
      const body = report();
      const forged = report('2026-11-28T10:00:09.000Z');
      await post(app, body, sinchSignatureHeaders(WEBHOOK_SECRET, body)).expect(401);
      await post(app, forged, sinchSignatureHeaders('not-any-configured-secret', forged)).expect(401);

      expect(await db.selectFrom('callbacks').select('id').execute()).toEqual([]);
      const kept = await quarantined(db);
      expect(kept.map((row) => row.reason)).toEqual(['bad signature', 'bad signature']);
      expect(Buffer.from(kept[0]?.body ?? '', 'base64').toString('utf8')).toBe(body);
      expect((await metrics.callbackAuthFailures.get()).values).toEqual([
        expect.objectContaining({ labels: { reason: 'bad signature' }, value: 2 }),
      ]);
      // Still refused with the wrong secret: nothing changes.
      expect(await reapplyQuarantined(db, wrong, applier, silent)).toEqual({
        skipped: false,
        purged: 0,
        outcomes: { 'still refused (bad signature)': 2 },
      });

      const fixed = withAuth({ hmacSecrets: [WEBHOOK_SECRET] });
      const first = await reapplyQuarantined(db, fixed, applier, silent);
      const second = await reapplyQuarantined(db, fixed, applier, silent);

      expect(first).toEqual({
        skipped: false,
        purged: 0,
        outcomes: { applied: 1, 'still refused (bad signature)': 1 },
      });
      expect(second).toEqual({ skipped: false, purged: 0, outcomes: { 'still refused (bad signature)': 1 } });
      expect((await request(app).get(`/messages/${sent.messageId}`).expect(200)).body.status).toBe(
        'Delivered',
      );
      expect(await db.selectFrom('callbacks').select(['payload', 'outcome']).execute()).toEqual([
        { payload: body, outcome: 'applied' },
      ]);
      expect((await quarantined(db)).map((row) => row.reason)).toEqual(['bad signature']);
    });

    it('When Basic credentials are refused, then only a hash of them is kept, and they pass once configured', async () => {
      const wrong = withAuth({
        basicCredentials: [{ username: BASIC_USER, password: 'old-basic-password-not-real' }],
      });
      const { target: app, db } = await makeTestApp({ entry, db: kind, config: wrong });
      const body = report();
      const authorization = basicAuthHeader(BASIC_USER, BASIC_PASSWORD);
      await post(app, body, { Authorization: authorization }).expect(401);

      const [row] = await quarantined(db);
      expect(row?.reason).toBe('bad basic credentials');
      expect(row?.headers).not.toContain(BASIC_PASSWORD);
      expect(row?.headers).not.toContain(authorization.slice('Basic '.length));

      const fixed = withAuth({ basicCredentials: [{ username: BASIC_USER, password: BASIC_PASSWORD }] });
      const result = await reapplyQuarantined(db, fixed, applier, silent);
      // No batch of ours: kept as unmatched, as the live route would have.
      expect(result).toEqual({ skipped: false, purged: 0, outcomes: { unmatched: 1 } });
    });

    it('When a signature is further ahead than the skew allows, then it is kept, and passes once the skew is raised', async () => {
      const strict = withAuth({ hmacSecrets: [WEBHOOK_SECRET], maxClockSkewSeconds: 60 });
      const { target: app, db } = await makeTestApp({ entry, db: kind, config: strict });
      const body = report();
      await post(app, body, sinchSignatureHeaders(WEBHOOK_SECRET, body, nowSeconds() + 600)).expect(401);
      expect((await quarantined(db)).map((row) => row.reason)).toEqual(['timestamp in the future']);

      // Judged at the time it arrived, not now: waiting alone does not make it pass.
      expect(await reapplyQuarantined(db, strict, applier, silent)).toMatchObject({
        outcomes: { 'still refused (timestamp in the future)': 1 },
      });
      const relaxed = withAuth({ hmacSecrets: [WEBHOOK_SECRET], maxClockSkewSeconds: 3600 });
      expect(await reapplyQuarantined(db, relaxed, applier, silent)).toMatchObject({
        outcomes: { unmatched: 1 },
      });
    });

    it('When more are refused than the bounds allow, then the oldest go first, by rows and by bytes', async () => {
      const config = withAuth({ hmacSecrets: [WEBHOOK_SECRET] }, { maxRows: 3 });
      const { target: app, db } = await makeTestApp({ entry, db: kind, config });
      for (let i = 0; i < 5; i += 1)
        await post(app, `{"n":${i}}`, { 'x-sinch-webhook-signature': 'x' }).expect(401);

      const bodies = (await quarantined(db)).map((row) => Buffer.from(row.body, 'base64').toString('utf8'));
      expect(bodies).toEqual(['{"n":2}', '{"n":3}', '{"n":4}']);

      const bytes = withAuth({ hmacSecrets: [WEBHOOK_SECRET] }, { maxBytes: 2_000 });
      const second = await makeTestApp({ entry, db: kind, config: bytes });
      const big = JSON.stringify({ pad: 'x'.repeat(600) });
      for (let i = 0; i < 4; i += 1) await post(second.app, big, {}).expect(401);
      const sizes = await second.db.selectFrom('callback_quarantine').select('bytes').execute();
      expect(sizes.length).toBeGreaterThan(0);
      expect(sizes.reduce((sum, row) => sum + Number(row.bytes), 0)).toBeLessThanOrEqual(2_000);
      expect(sizes.length).toBeLessThan(4);
    });

    it('When a kept callback is older than the configured age, then it is purged', async () => {
      const config = withAuth({ hmacSecrets: [WEBHOOK_SECRET] }, { maxAgeMs: 3_600_000 });
      const { target: app, db } = await makeTestApp({ entry, db: kind, config });
      await db
        .insertInto('callback_quarantine')
        .values({
          id: '00000000-0000-7000-8000-000000000000',
          received_at: new Date(Date.now() - 7_200_000).toISOString(),
          reason: 'bad signature',
          headers: '{}',
          body: Buffer.from('{}').toString('base64'),
          bytes: 6,
        })
        .execute();
      await post(app, '{"n":1}', {}).expect(401);

      expect((await quarantined(db)).map((row) => row.reason)).toEqual(['missing credentials']);
    });

    it('When no callback authentication is configured, then reapply leaves the quarantine alone', async () => {
      const { target: app, db } = await makeTestApp({
        entry,
        db: kind,
        config: withAuth({ hmacSecrets: [WEBHOOK_SECRET] }),
      });
      await post(app, report(), {}).expect(401);

      expect(await reapplyQuarantined(db, withAuth({}), applier, silent)).toEqual({ skipped: true });
      expect(await quarantined(db)).toHaveLength(1);
    });
  },
);
