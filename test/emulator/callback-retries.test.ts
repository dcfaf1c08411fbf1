import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, idle, startHarness, timeline, waitFor } from './emulator.harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ maxCallbackAttempts: 4 });
});
afterEach(async () => {
  await h.stop();
});

const sendOne = () =>
  h.api('POST', '/batches', { to: ['+15551234567'], body: 'hi', delivery_report: 'per_recipient' });

describe('callback retries', () => {
  it('When the receiver answers 500 once, then the same callback is retried and then delivered, in order', async () => {
    h.receiver.respond = (nth) => (nth === 1 ? 500 : 200);
    await sendOne();
    // The receiver sees the request before the emulator has read the answer: wait for both.
    await waitFor(() => h.emulator.state.callbacks().filter((c) => c.state === 'delivered').length === 2);
    expect(timeline(h.receiver, '15551234567')).toEqual(['Dispatched/401', 'Dispatched/401', 'Delivered/0']);
    expect(h.receiver.received[0]?.rawBody).toBe(h.receiver.received[1]?.rawBody);
    const [dispatched, delivered] = h.emulator.state.callbacks();
    expect(dispatched).toMatchObject({ attempts: 2, lastStatus: 200, state: 'delivered' });
    expect(delivered).toMatchObject({ attempts: 1, state: 'delivered' });
  });

  it('When the receiver answers 429, then the callback is retried', async () => {
    h.receiver.respond = (nth) => (nth === 1 ? 429 : 200);
    await sendOne();
    await waitFor(() => h.emulator.state.callbacks().filter((c) => c.state === 'delivered').length === 2);
    expect(h.emulator.state.callbacks()[0]?.attempts).toBe(2);
  });

  it('When the receiver answers 400, then the callback is dropped without retry and the next one still goes', async () => {
    h.receiver.respond = (nth) => (nth === 1 ? 400 : 200);
    await sendOne();
    await waitFor(() => h.receiver.received.length === 2);
    // Idle: no retry is scheduled and no callback is left to send.
    await idle(h);
    expect(timeline(h.receiver, '15551234567')).toEqual(['Dispatched/401', 'Delivered/0']);
    expect(h.emulator.state.callbacks()[0]).toMatchObject({ attempts: 1, lastStatus: 400, state: 'dropped' });
  });

  it('When the receiver keeps failing, then it gives up after maxCallbackAttempts with state failed', async () => {
    h.receiver.respond = () => 503;
    await sendOne();
    // 4 attempts at 0, 50, 150, 350 ms (doubling) for the first callback.
    const first = await waitFor(() => h.emulator.state.callbacks().find((c) => c.state === 'failed'), 2000);
    expect(first).toMatchObject({ attempts: 4, lastStatus: 503 });
  });

  it('When the receiver is unreachable, then the error is recorded and the callback retried', async () => {
    await h.receiver.close();
    await sendOne();
    const record = await waitFor(() => {
      const c = h.emulator.state.callbacks()[0];
      return c && c.attempts >= 2 && c;
    });
    expect(record.state).toBe('pending');
    expect(record.lastError).toBeTruthy();
  });

  it('When the state is reset through DELETE /_emulator/messages, then pending retries stop', async () => {
    // A retry a minute away: once the first attempt is answered, nothing is on the wire until then.
    await h.stop();
    h = await startHarness({ maxCallbackAttempts: 4, retryBaseMs: 60_000 });
    h.receiver.respond = () => 500;
    await sendOne();
    await waitFor(() => h.emulator.state.callbacks()[0]?.lastStatus === 500);
    expect(h.emulator.state.idle()).toBe(false);
    const reset = await fetch(`${h.baseUrl}/_emulator/messages`, { method: 'DELETE' });
    expect(reset.status).toBe(204);
    const count = h.receiver.received.length;
    // Idle right after the reset: no retry timer is left, so no further POST can come.
    expect(h.emulator.state.idle()).toBe(true);
    expect(h.receiver.received.length).toBe(count);
    const snapshot = await (await fetch(`${h.baseUrl}/_emulator/messages`)).json();
    expect(snapshot).toEqual({
      batches: [],
      batchRequests: [],
      inbounds: [],
      callbacks: [],
      pending: { timers: 0, heldReports: 0 },
    });
  });
});
