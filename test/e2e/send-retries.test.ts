import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/sinch/retry-policy';
import { createSinchClient } from '../../src/sinch/sinch.client';
import { SinchError } from '../../src/sinch/sinch.errors';
import { FAKE_SINCH, sinchBatch, TEST_PLAN, testConfig } from '../helpers/app';
import { startPair } from './harness';

const withRetries = { maxAttempts: 4, retryBaseMs: 20, retryMaxMs: 5_000, timeoutMs: 300 };

describe('sending survives Sinch faults without sending twice', () => {
  it.each([
    ['answers 500 once', '+15550100922'],
    ['answers 503 once', '+15550100923'],
    ['drops the connection after reading the request', '+15550100925'],
    ['never answers the first request', '+15550100924'],
  ])('When Sinch %s, then the send is accepted and exactly one batch exists', async (_name, to) => {
    const pair = await startPair({ config: (c) => ({ ...c, sinch: { ...c.sinch, ...withRetries } }) });

    const sent = await pair.call('POST', '/send-sms', { to, message: 'Once only' });

    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const batches = pair.emulator.state.batches();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.batch.id).toBe(sent.body.batchId);
    const view = await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
    expect(view.sendStatus).toBe('Sent');
  });

  it('When Sinch answers 429 with Retry-After: 1, then the retry waits that long and succeeds', async () => {
    const pair = await startPair({ config: (c) => ({ ...c, sinch: { ...c.sinch, ...withRetries } }) });
    const started = Date.now();

    const sent = await pair.call('POST', '/send-sms', { to: '+15550100921', message: 'Patience' });

    expect(sent.status).toBe(202);
    const attempts = pair.emulator.state.requests();
    expect(attempts).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(pair.emulator.state.batches()).toHaveLength(1);
  });
});

describe('the Sinch client retry rules', () => {
  const batchesPath = `/xms/v1/${TEST_PLAN}/batches`;
  // A generous timeout where the test is not about one: a late answer on a busy machine would
  // otherwise time out and be looked up (an unplanned request nock refuses). Where it is, Sinch is
  // five times slower than the 1 s timeout, and the lookup that follows has that second to answer.
  const client = (timeoutMs = 5_000) =>
    createSinchClient({ ...testConfig().sinch, ...withRetries, timeoutMs });
  const request = { to: ['+15551234567'], body: 'Hi', client_reference: 'ref-1' };

  it('When Sinch refuses with 400, then it is not retried', async () => {
    nock(FAKE_SINCH).post(batchesPath).once().reply(400, { code: 'syntax_invalid_json', text: 'bad' });

    await expect(client().sendBatch(request)).rejects.toMatchObject({ kind: 'rejected', httpStatus: 400 });
    expect(nock.isDone()).toBe(true);
  });

  it('When Sinch keeps failing with 503, then it checks for the batch before each resend and gives up after the configured attempts', async () => {
    const scope = nock(FAKE_SINCH)
      .post(batchesPath)
      .times(4)
      .reply(503, 'down')
      .get(batchesPath)
      .query(true)
      .times(3)
      .reply(200, { page: 0, page_size: 1, count: 0, batches: [] });

    await expect(client().sendBatch(request)).rejects.toMatchObject({ kind: 'server', httpStatus: 503 });
    expect(scope.isDone()).toBe(true);
  });

  it('When an attempt timed out, then the batch is looked up by client reference before sending again', async () => {
    const calls: string[] = [];
    nock(FAKE_SINCH)
      .post(batchesPath)
      .delay(5_000)
      .reply(201, () => {
        calls.push('post');
        return sinchBatch();
      })
      .get(batchesPath)
      .query({ client_reference: 'ref-1', page_size: '1' })
      .reply(200, () => {
        calls.push('lookup');
        return {
          page: 0,
          page_size: 1,
          count: 1,
          batches: [sinchBatch({ id: '01JFOUND00000000000000000A', client_reference: 'ref-1', body: 'Hi' })],
        };
      });

    const batch = await client(1_000).sendBatch(request);

    expect(batch.id).toBe('01JFOUND00000000000000000A');
    expect(calls).toContain('lookup');
  });

  it('When the batch found by reference is another send (other body), then it is not taken for ours', async () => {
    nock(FAKE_SINCH)
      .post(batchesPath)
      .delay(5_000)
      .reply(201, sinchBatch())
      .get(batchesPath)
      .query(true)
      .reply(200, {
        page: 0,
        page_size: 1,
        count: 1,
        batches: [
          sinchBatch({ id: '01JOLDER00000000000000000A', client_reference: 'ref-1', body: 'Old news' }),
        ],
      })
      .post(batchesPath)
      .reply(201, sinchBatch({ id: '01JOURS000000000000000000A', client_reference: 'ref-1', body: 'Hi' }));

    const batch = await client(1_000).sendBatch(request);

    expect(batch.id).toBe('01JOURS000000000000000000A');
  });

  it('When an attempt timed out and there is no client reference, then it is not sent again', async () => {
    const scope = nock(FAKE_SINCH).post(batchesPath).delay(5_000).reply(201, sinchBatch());

    await expect(client(1_000).sendBatch({ to: ['+15551234567'], body: 'Hi' })).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('When Retry-After asks for more than the time budget, then it gives up at once', () => {
    const error = new SinchError({
      kind: 'rejected',
      operation: 'x',
      httpStatus: 429,
      retryAfterSeconds: 60,
    });
    expect(
      retryDelay({ maxAttempts: 5, baseDelayMs: 100, maxTotalDelayMs: 10_000 }, 1, error, 0),
    ).toBeUndefined();
  });

  it('When backing off, then the delay doubles per retry within full jitter bounds', () => {
    const error = new SinchError({ kind: 'server', operation: 'x', httpStatus: 503 });
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxTotalDelayMs: 60_000 };
    expect(retryDelay(policy, 1, error, 0, () => 0)).toBe(50);
    expect(retryDelay(policy, 1, error, 0, () => 1)).toBe(100);
    expect(retryDelay(policy, 3, error, 0, () => 1)).toBe(400);
    expect(retryDelay(policy, 5, error, 0, () => 1)).toBeUndefined();
  });
});
