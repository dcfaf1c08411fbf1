import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { makeTestApp, sendThroughFakeSinch, type TestApp } from '../helpers/app';

const unknownCallback = JSON.stringify({ type: 'some_future_callback', batch_id: 'B1' });

/** Headers that differ between any two answers whatever the entry: the clock and the fresh request id. */
function comparable(headers: Record<string, string>) {
  const { date, 'x-request-id': _id, ...rest } = headers;
  return rest;
}

async function fastPathApp(): Promise<TestApp & { handled: () => number }> {
  const testApp = await makeTestApp({ entry: 'fast path' });
  const handle = vi.spyOn(testApp.app as unknown as { handle: () => void }, 'handle');
  return { ...testApp, handled: () => handle.mock.calls.length };
}

describe('POST /webhooks/dlr, the fast path ahead of Express', () => {
  it('When a callback is posted to the server, then the fast path answers it and Express never sees it', async () => {
    const { target, handled } = await fastPathApp();

    const res = await request(target).post('/webhooks/dlr').send(unknownCallback);

    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(handled()).toBe(0);
  });

  it('When the same callbacks go through both entries, then the answers carry the same status, body and headers', async () => {
    const fast = await makeTestApp({ entry: 'fast path' });
    const plain = await makeTestApp();
    const cases = [
      { body: unknownCallback, type: 'application/json' },
      { body: '{"type":', type: 'application/json' },
      { body: '[1]', type: 'text/plain' },
      { body: 'x'.repeat(300 * 1024), type: 'application/octet-stream' },
    ];
    for (const { body, type } of cases) {
      const viaFast = await request(fast.target).post('/webhooks/dlr').set('Content-Type', type).send(body);
      const viaApp = await request(plain.target).post('/webhooks/dlr').set('Content-Type', type).send(body);

      expect(viaFast.status).toBe(viaApp.status);
      expect(comparable(viaFast.headers)).toEqual(comparable(viaApp.headers));
      if (viaFast.status >= 400) {
        expect({ ...viaFast.body, requestId: 'id' }).toEqual({ ...viaApp.body, requestId: 'id' });
        expect(viaFast.body.requestId).toBe(viaFast.headers['x-request-id']);
      } else {
        expect(viaFast.text).toBe(viaApp.text);
      }
    }
  });

  it("When a callback carries X-Request-Id, then the fast path echoes it and helmet's headers are set", async () => {
    const { target } = await fastPathApp();

    const res = await request(target)
      .post('/webhooks/dlr')
      .set('X-Request-Id', 'sinch-abc.1')
      .send('{"type":');

    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('sinch-abc.1');
    expect(res.body.requestId).toBe('sinch-abc.1');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('When the request is not exactly POST /webhooks/dlr with a plain body, then Express answers it as before', async () => {
    const { target, handled } = await fastPathApp();

    const options = await request(target).options('/webhooks/dlr');
    const get = await request(target).get('/webhooks/dlr');
    const slash = await request(target).post('/webhooks/dlr/').send(unknownCallback);
    const gzipped = await request(target)
      .post('/webhooks/dlr')
      .set('Content-Encoding', 'gzip')
      .set('Content-Type', 'application/octet-stream')
      .send(gzipSync(unknownCallback));

    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('OPTIONS, POST');
    expect(get.status).toBe(405);
    expect(get.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(slash.status).toBe(200);
    expect(gzipped.status).toBe(200);
    expect(handled()).toBe(4);
  });

  it('When a delivery report is answered 2xx, then it has one line at info, its own, and the access line is at debug', async () => {
    const { target, logs } = await fastPathApp();
    const sent = await sendThroughFakeSinch(target, { to: '+15551234567', batchId: 'BATCH-FAST-1' });
    const report = {
      type: 'recipient_delivery_report_sms',
      batch_id: sent.batchId,
      recipient: '15551234567',
      status: 'Delivered',
      code: 0,
      at: '2026-11-28T10:00:05.000Z',
    };

    await request(target).post('/webhooks/dlr').send(JSON.stringify(report)).expect(200);

    const lines = logs.lines.filter(
      (line) => (line.req as { method?: string } | undefined)?.method === 'POST',
    );
    const callback = lines.filter((line) => (line.req as { url: string }).url === '/webhooks/dlr');
    expect(callback.filter((line) => line.level !== 'debug').map((line) => line.msg)).toEqual([
      'delivery status',
    ]);
    expect(
      callback.filter((line) => line.msg.startsWith('POST /webhooks/dlr 200')).map((l) => l.level),
    ).toEqual(['debug']);
  });
});
