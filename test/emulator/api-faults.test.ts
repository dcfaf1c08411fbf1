import axios, { type AxiosError } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSinchClient } from '../../src/sinch/sinch.client';
import { type Harness, PLAN, startHarness, TOKEN, waitFor } from './emulator.harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

/** axios, as the service's client uses it: same transport errors (`socket hang up`, timeouts). */
function post(body: unknown, timeout = 2000) {
  return axios.post(`${h.baseUrl}/xms/v1/${PLAN}/batches`, body, {
    headers: { authorization: `Bearer ${TOKEN}` },
    timeout,
    validateStatus: () => true,
  });
}

const batchesWithRef = async (ref: string) =>
  (await h.api('GET', `/batches?client_reference=${ref}`)).body.batches as Array<{ id: string }>;

describe('API faults on POST /batches', () => {
  it('When a recipient ends in 921, then the first call gets 429 with Retry-After: 1 and the retry succeeds', async () => {
    const body = { to: ['+15551234567', '+15550100921'], body: 'hi', client_reference: 'ref-429' };
    const first = await post(body);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('1');
    expect(first.data).toEqual({ code: 'too_many_requests', text: expect.any(String) });
    expect(await batchesWithRef('ref-429')).toHaveLength(0);
    const retry = await post(body);
    expect(retry.status).toBe(201);
    expect(await batchesWithRef('ref-429')).toHaveLength(1);
  });

  it.each([
    ['922', 500],
    ['923', 503],
  ])(
    'When a recipient ends in %s, then the first call gets %i without a batch and the retry succeeds',
    async (suffix, status) => {
      const body = { to: [`+1555010${suffix}`], body: 'hi' };
      expect((await post(body)).status).toBe(status);
      expect(h.emulator.state.batches()).toHaveLength(0);
      expect((await post(body)).status).toBe(201);
      expect(h.emulator.state.batches()).toHaveLength(1);
    },
  );

  it('When a different request (other body, no reference) hits a once-fault suffix, then it faults again', async () => {
    expect((await post({ to: ['+15550100922'], body: 'one' })).status).toBe(500);
    expect((await post({ to: ['+15550100922'], body: 'two' })).status).toBe(500);
  });

  it('When a recipient ends in 924, then the call hangs until the client times out, yet the batch exists', async () => {
    const error = (await post({ to: ['+15550100924'], body: 'hi', client_reference: 'ref-hang' }, 300).catch(
      (e: unknown) => e,
    )) as AxiosError;
    expect(error.code).toBe('ECONNABORTED');
    expect(await batchesWithRef('ref-hang')).toHaveLength(1);
    expect(h.emulator.state.requests().at(-1)).toMatchObject({ fault: 'hang-once', status: 'hung' });
    const retry = await post({ to: ['+15550100924'], body: 'hi', client_reference: 'ref-hang' });
    expect(retry.status).toBe(201);
    expect(await batchesWithRef('ref-hang')).toHaveLength(2);
  });

  it('When a recipient ends in 925, then the connection drops after the request is read, yet the batch exists', async () => {
    const error = (await post({ to: ['+15550100925'], body: 'hi', client_reference: 'ref-drop' }).catch(
      (e: unknown) => e,
    )) as AxiosError;
    expect(error.message).toMatch(/socket hang up/);
    expect(error.code).toBe('ECONNRESET');
    expect(await batchesWithRef('ref-drop')).toHaveLength(1);
    expect((await post({ to: ['+15550100925'], body: 'hi', client_reference: 'ref-drop' })).status).toBe(201);
  });

  it('When the hung batch asked for reports, then it is still delivered and reported', async () => {
    await post({ to: ['+15550100924'], body: 'hi', delivery_report: 'per_recipient_final' }, 200).catch(
      () => {},
    );
    await waitFor(() => h.receiver.received.length === 1);
    expect(h.receiver.received[0]?.body).toMatchObject({ recipient: '15550100924', status: 'Delivered' });
  });

  it('When stop() is called while a request hangs, then it ends promptly', async () => {
    const pending = post({ to: ['+15550100924'], body: 'hi' }, 10_000).catch((e: AxiosError) => e.code);
    // The emulator has read the request and holds its answer.
    await waitFor(() => h.emulator.state.requests().some((r) => r.status === 'hung'));
    const started = Date.now();
    await h.emulator.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBe('ECONNRESET');
  });
});

describe('compatibility with the service client', () => {
  it("When the service's Sinch client sends a batch, then it parses the emulator's answer", async () => {
    const client = createSinchClient({
      baseUrl: h.baseUrl,
      servicePlanId: PLAN,
      apiToken: TOKEN,
      timeoutMs: 2000,
      maxAttempts: 1,
      retryBaseMs: 10,
      retryMaxMs: 1000,
    });
    const batch = await client.sendBatch({ to: ['+15551234567'], body: 'hi', client_reference: 'c-1' });
    expect(batch).toMatchObject({ to: ['15551234567'], client_reference: 'c-1', canceled: false });
  });
});
