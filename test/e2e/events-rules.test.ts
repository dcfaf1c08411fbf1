import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger';
import { startService } from '../../src/service';
import { startEventReceiver, withEvents } from '../helpers/event-receiver';
import { type Pair, startPair } from './harness';

type Attempt = { at: string; statusCode: number | null };
type Listed = {
  id: string;
  type: string;
  deliveries: Array<{ endpointId: string; status: string; attempts: Attempt[] }>;
};

/** GET /events for one message, oldest first. */
async function eventsOf(pair: Pair, messageId: string): Promise<Listed[]> {
  const listed = await pair.call('GET', `/events?messageId=${messageId}`);
  expect(listed.status).toBe(200);
  return (listed.body.data as Listed[]).reverse();
}

const waitUntil = <T>(check: () => Promise<T> | T, timeout = 10_000) =>
  vi.waitUntil(check, { timeout, interval: 20 });

describe('event endpoints that keep failing, give up, or are asked again', () => {
  it('When an endpoint fails for longer than EVENT_PAUSE_AFTER_SECONDS, then it is paused, logged and counted, and POST /event-endpoints/:id/resume delivers what waited', async () => {
    const receiver = await startEventReceiver({ respond: () => 503 });
    const pair = await startPair({ config: withEvents([receiver.url], { pauseAfterMs: 300 }) });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Pause me' });
    expect(sent.status).toBe(202);

    const paused = await waitUntil(async () => {
      const [endpoint] = (await pair.call('GET', '/event-endpoints')).body.data;
      return endpoint?.pausedAt ? endpoint : undefined;
    });
    expect(paused.failingSince).not.toBeNull();
    expect(
      pair.logs.find('event endpoint paused: it kept failing; POST /event-endpoints/{id}/resume resumes it'),
    ).toHaveLength(1);
    const metrics = await (
      await fetch(`${pair.service.url.replace('localhost', '127.0.0.1')}/metrics`)
    ).text();
    expect(metrics).toContain(`sms_event_endpoints_paused_total{endpoint="${paused.id}"} 1`);
    const tried = receiver.received.length;

    receiver.respond.current = () => 200;
    const resumedAt = new Date().toISOString();
    const resumed = await pair.call('POST', `/event-endpoints/${paused.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ id: paused.id, pausedAt: null, failingSince: null });
    const got = await receiver.waitFor((a) => a.length >= 4);

    expect(got.map((e) => e.type)).toEqual([
      'message.sent',
      'message.status_changed',
      'message.status_changed',
      'message.completed',
    ]);
    // Nothing was tried while it was paused: every attempt is from before the pause or after the resume.
    // Each is recorded once its answer came, so the last may be written just after the receiver saw it.
    const attempts = await waitUntil(async () => {
      const all = (await eventsOf(pair, sent.body.messageId)).flatMap((e) => e.deliveries[0]?.attempts ?? []);
      return all.length >= tried + 4 ? all : undefined;
    });
    expect(attempts.length).toBe(tried + 4);
    expect(attempts.filter((a) => a.at > paused.pausedAt && a.at < resumedAt)).toEqual([]);
  });

  it('When POST /events/:id/redeliver names a delivered event, then the receiver gets it again with the same webhook-id', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Again' });
    await receiver.waitFor((a) => a.length >= 4);
    const [first] = await eventsOf(pair, sent.body.messageId);
    expect(first?.type).toBe('message.sent');

    const before = receiver.received.length;

    const again = await pair.call('POST', `/events/${first?.id}/redeliver`);

    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: first?.id, deliveries: 1 });
    // waitFor shows each id once (as a receiver de-duplicating on webhook-id would): look at the raw
    // requests that came after the redelivery for the same id again.
    const resent = await waitUntil(() =>
      receiver.received.slice(before).find((r) => r.id === first?.id && r.status === 200),
    );
    expect(resent).toMatchObject({ id: first?.id, type: 'message.sent', verified: true });
    const unknown = await pair.call('POST', '/events/evt_nothing_like_it/redeliver');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
  });

  it('When the receiver answers 410 to an event, then that event fails for good after one attempt and the later ones still arrive', async () => {
    const receiver = await startEventReceiver({
      respond: ({ type }) => (type === 'message.sent' ? 410 : 200),
    });
    const pair = await startPair({ config: withEvents([receiver.url]) });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Gone' });

    const got = await receiver.waitFor((a) => a.length >= 3);

    expect(got.map((e) => e.type)).toEqual([
      'message.status_changed',
      'message.status_changed',
      'message.completed',
    ]);
    const failed = await pair.call('GET', `/events?messageId=${sent.body.messageId}&status=failed`);
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]).toMatchObject({
      type: 'message.sent',
      deliveries: [{ status: 'failed', nextAttemptAt: null, attempts: [{ statusCode: 410 }] }],
    });
    expect(receiver.received.filter((r) => r.type === 'message.sent')).toHaveLength(1);
    expect(pair.logs.find('event delivery given up')).toHaveLength(1);
  });

  it('When a URL is taken out of EVENT_WEBHOOK_URLS, then at the next start what was pending for it is given up, not retried for days', async () => {
    const receiver = await startEventReceiver({ respond: () => 503 });
    const pair = await startPair({ config: withEvents([receiver.url]) });
    await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Moved' });
    await receiver.waitForAny(1);
    await pair.service.stop();

    const again = await startService(
      { ...pair.config, port: 0, events: { ...pair.config.events, urls: [] } },
      createLogger('silent'),
    );
    try {
      const rows = await waitUntil(async () => {
        const all = await again.db.selectFrom('event_deliveries').select(['status', 'last_error']).execute();
        return all.length > 0 && all.every((d) => d.status !== 'pending') ? all : undefined;
      });
      expect(new Set(rows.map((d) => `${d.status}: ${d.last_error}`))).toEqual(
        new Set(['failed: endpoint removed from EVENT_WEBHOOK_URLS']),
      );
      expect(await again.db.selectFrom('event_endpoints').select('id').execute()).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
