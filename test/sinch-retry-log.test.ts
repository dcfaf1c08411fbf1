import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../src/logger';
import { startService } from '../src/service';
import {
  expectNoSecretsLogged,
  FAKE_SINCH,
  LogCapture,
  sinchBatch,
  TEST_PLAN,
  testConfig,
} from './helpers/app';

const batches = `/xms/v1/${TEST_PLAN}/batches`;

/** The service as `npm start` runs it (its own retry logging), listening on loopback, Sinch played by nock. */
async function startWithRetries() {
  const dir = mkdtempSync(join(tmpdir(), 'sms-retry-'));
  const config = testConfig(
    { databaseUrl: `sqlite:${join(dir, 'sms.sqlite')}` },
    { maxAttempts: 3, retryBaseMs: 5, retryMaxMs: 1_000 },
  );
  const logs = new LogCapture();
  expectNoSecretsLogged(config, logs);
  const service = await startService(config, createLogger('debug', logs));
  onTestFinished(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { service, logs };
}

const retryLines = (logs: LogCapture) => logs.lines.filter((line) => line.msg.startsWith('retrying sinch'));

describe('Retry warnings', () => {
  it('When Sinch answers a send 503 once, then the retry warning carries the request id and message id, and no stack', async () => {
    const { service, logs } = await startWithRetries();
    nock(FAKE_SINCH).post(batches).reply(503, { code: 'service_unavailable', text: 'try later' });
    // A 503 may come after Sinch took the batch: the client looks it up by reference before sending again.
    nock(FAKE_SINCH).get(batches).query(true).reply(200, { page: 0, page_size: 1, count: 0, batches: [] });
    nock(FAKE_SINCH)
      .post(batches)
      .reply(201, (_uri, body) => sinchBatch({ ...(body as object) }));

    const res = await request(service.url).post('/send-sms').send({ to: '+15551234567', message: 'Hi' });

    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const lines = retryLines(logs);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      operation: 'sendBatch',
      attempt: 1,
      messageId: res.body.messageId,
      req: { id: res.headers['x-request-id'] },
      err: { type: 'SinchError', kind: 'server', httpStatus: 503, sinchCode: 'service_unavailable' },
    });
    expect(lines[0]?.err).not.toHaveProperty('stack');
  });

  it('When Sinch answers a cancel 503 once, then the retry warning names the message and the request', async () => {
    const { service, logs } = await startWithRetries();
    nock(FAKE_SINCH)
      .post(batches)
      .reply(201, (_uri, body) => sinchBatch({ ...(body as object), id: '01RETRYCANCEL0000000000000' }));
    const sent = await request(service.url).post('/send-sms').send({ to: '+15551234567', message: 'Hi' });
    nock(FAKE_SINCH).delete(`${batches}/01RETRYCANCEL0000000000000`).reply(503, 'busy');
    nock(FAKE_SINCH)
      .delete(`${batches}/01RETRYCANCEL0000000000000`)
      .reply(200, sinchBatch({ id: '01RETRYCANCEL0000000000000', canceled: true }));

    const res = await request(service.url).delete(`/messages/${sent.body.messageId}`);

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(retryLines(logs)).toEqual([
      expect.objectContaining({
        operation: 'cancelBatch',
        messageId: sent.body.messageId,
        req: expect.objectContaining({ id: res.headers['x-request-id'] }),
        err: expect.not.objectContaining({ stack: expect.anything() }),
      }),
    ]);
  });
});
