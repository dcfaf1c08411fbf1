import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateWebhookSignature, computeSignedData } from '@sinch/sdk-core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeSecureApp, WEBHOOK_SECRET } from '../helpers/security';

// Every example payload Sinch publishes in its SDKs' tests (test/fixtures/sinch/SOURCES.md), posted to
// /webhooks/dlr byte for byte, signed the way the official Node SDK computes the signature.
const DIR = join(import.meta.dirname, '../fixtures/sinch');
const fixtures = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

/**
 * Fixtures the service answers 4xx today, and why; issue 12 item 1 (lenient callback parsing) fixes
 * them. Each stays listed here, its test marked as failing, until that lands.
 */
const KNOWN_4XX: Record<string, string> = {};

/** The four signature headers as Sinch sends them, the signature computed by the SDK's own helpers. */
function sdkSignedHeaders(rawBody: string): Record<string, string> {
  const nonce = '01KFIXTURENONCE00000000000';
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'x-sinch-webhook-signature': calculateWebhookSignature(
      computeSignedData(rawBody, nonce, timestamp),
      WEBHOOK_SECRET,
    ),
    'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    'x-sinch-webhook-signature-nonce': nonce,
    'x-sinch-webhook-signature-timestamp': timestamp,
  };
}

/** Where each kind of payload should end when no batch of ours matches it. */
function expectedOutcome(type: unknown): string {
  if (typeof type === 'string' && type.startsWith('mo_')) return 'inbound';
  if (typeof type === 'string' && /^(recipient_)?delivery_report_(sms|mms)$/.test(type)) return 'unmatched';
  return 'unknown_type';
}

describe("Sinch's published example payloads on POST /webhooks/dlr", () => {
  it('When the fixtures are listed, then there are some from every SDK', () => {
    for (const sdk of ['java', 'dotnet', 'node', 'python']) {
      expect(
        fixtures.some((name) => name.startsWith(`${sdk}-`)),
        sdk,
      ).toBe(true);
    }
  });

  for (const name of fixtures) {
    const known = KNOWN_4XX[name];
    const test = known ? it.fails : it;
    test(`When ${name} is posted signed, then it is answered 200 and stored${known ? ` (fails today: ${known})` : ''}`, async () => {
      const rawBody = readFileSync(join(DIR, name), 'utf8');
      const { app, db } = await makeSecureApp();
      const res = await request(app)
        .post('/webhooks/dlr')
        .set('Content-Type', 'application/json')
        .set(sdkSignedHeaders(rawBody))
        .send(rawBody);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const rows = await db.selectFrom('callbacks').select('outcome').execute();
      expect(rows).toEqual([{ outcome: expectedOutcome(JSON.parse(rawBody).type) }]);
    });
  }
});
