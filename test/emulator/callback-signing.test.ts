import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signSinchCallback } from '../../src/sinch/signing';
import { type Harness, startHarness, waitFor } from './emulator.harness';

// The "Real signed payload" of docs/sinch-sms-api.md §3b and the vector of §6.
const SIGNED_BODY =
  '{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}';

describe('callback signing', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it("When signing Sinch's documented payload, then the signature equals the documented one", () => {
    expect(
      signSinchCallback('SMSWebhooksSecret', SIGNED_BODY, '01JHFFHWYY7HSS4FWTMDTQEK8V', '1736760161'),
    ).toBe('ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=');
  });

  it('When a webhook secret is set, then every callback carries headers that verify over the raw body', async () => {
    harness = await startHarness({ webhookSecret: 'local-secret' });
    const before = Math.floor(Date.now() / 1000);
    const res = await harness.api('POST', '/batches', {
      to: ['+15551234567'],
      body: 'hi',
      delivery_report: 'per_recipient',
    });
    expect(res.status).toBe(201);
    const received = await waitFor(
      () => harness?.receiver.received.length === 2 && harness.receiver.received,
    );

    const nonces = new Set<string>();
    for (const { rawBody, headers } of received) {
      const nonce = headers['x-sinch-webhook-signature-nonce'] ?? '';
      const timestamp = headers['x-sinch-webhook-signature-timestamp'] ?? '';
      const expected = createHmac('sha256', 'local-secret')
        .update(`${rawBody}.${nonce}.${timestamp}`)
        .digest('base64');
      expect(headers['x-sinch-webhook-signature']).toBe(expected);
      expect(headers['x-sinch-webhook-signature-algorithm']).toBe('HmacSHA256');
      expect(headers['content-type']).toMatch(/^application\/json/);
      expect(nonce).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(2);
  });

  it('When no webhook secret is set, then callbacks carry no signature headers', async () => {
    harness = await startHarness();
    await harness.api('POST', '/batches', {
      to: ['15551234567'],
      body: 'hi',
      delivery_report: 'per_recipient_final',
    });
    const [callback] = await waitFor(
      () => harness?.receiver.received.length === 1 && harness.receiver.received,
    );
    expect(callback?.headers['x-sinch-webhook-signature']).toBeUndefined();
  });
});
