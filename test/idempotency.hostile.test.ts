import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

/** A JSON text nested `depth` deep, as a hostile client writes it (no serialiser would). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(DB_KINDS)('Idempotency-Key with a deeply nested body (%s)', (kind) => {
  it.each([
    ['an unknown field', (deep: string) => `{"to":"+15551234567","message":"Hi","x":${deep}}`],
    ['`to`', (deep: string) => `{"to":[${deep}],"message":"Hi"}`],
  ])(
    'When %s is nested 10,000 deep, then it answers 400 (never 500) before the key is taken, and a retry gets the same 400',
    async (_where, body) => {
      const { app, db } = await makeTestApp({ db: kind });
      const text = body(nested(10_000));
      const post = () =>
        request(app)
          .post('/send-sms')
          .set('Idempotency-Key', 'deep-1')
          .set('Content-Type', 'application/json')
          .send(text);

      const first = await post();
      const again = await post();

      expect(first.status, JSON.stringify(first.body)).toBe(400);
      // JSON_MAX_DEPTH refuses it before it is parsed, so the key never holds it.
      expect(first.body).toMatchObject({ code: 'BAD_REQUEST', requestId: expect.any(String) });
      expect(first.body.error).toMatch(/deeper than 32 levels/);
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('BAD_REQUEST');
      expect(await db.selectFrom('idempotency_keys').select('scope_key').execute()).toEqual([]);
    },
  );
});
