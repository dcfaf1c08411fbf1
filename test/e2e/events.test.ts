import { describe, expect, it, vi } from 'vitest';
import { eventSchema } from '../../src/events/events.schemas';
import { startEventReceiver, statusesOf, withEvents } from '../helpers/event-receiver';
import { startPair } from './harness';

const DELIVERED = [
  'message.sent',
  'message.status_changed Dispatched',
  'message.status_changed Delivered',
  'message.completed',
];

describe('events pushed to the application, end to end through the emulator', () => {
  it('When a message is sent, then the receiver gets sent, Dispatched, Delivered and completed, in order, each verified by standardwebhooks', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });

    const sent = await pair.call('POST', '/send-sms', {
      to: '+15551234567',
      message: 'Hi',
      clientReference: 'order-7',
    });
    expect(sent.status).toBe(202);
    const got = await receiver.waitFor((a) => a.length >= 4);

    expect(statusesOf(got)).toEqual(DELIVERED);
    expect(got.every((e) => e.verified)).toBe(true);
    for (const event of got) {
      expect(eventSchema.safeParse(event.body).success, JSON.stringify(event.body)).toBe(true);
      expect(event.body.data).toMatchObject({
        messageId: sent.body.messageId,
        batchId: sent.body.batchId,
        clientReference: 'order-7',
      });
    }
    expect(got[2]?.body.data).toMatchObject({ recipient: '+15551234567', code: 0, final: true });
    expect(new Set(got.map((e) => e.id)).size).toBe(4);

    // Each is recorded delivered once its answer came: the last may be written just after it arrived.
    const listed = await vi.waitUntil(
      async () => {
        const answer = await pair.call('GET', `/events?messageId=${sent.body.messageId}&status=delivered`);
        return answer.status !== 200 || answer.body.data.length >= 4 ? answer : undefined;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(4);
    expect(listed.body.data[0].deliveries[0].attempts[0].statusCode).toBe(200);
  });

  it('When the receiver answers 503 three times then 200, then it gets each event once more than it refused, in order', async () => {
    const receiver = await startEventReceiver({ respond: ({ n }) => (n < 3 ? 503 : 200) });
    const pair = await startPair({ config: withEvents([receiver.url]) });

    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Retry me' });
    const got = await receiver.waitFor((a) => a.length >= 4);

    // The first event was refused three times; nothing overtook it while it was retried.
    expect(receiver.received.slice(0, 4).map((r) => [r.type, r.status])).toEqual([
      ['message.sent', 503],
      ['message.sent', 503],
      ['message.sent', 503],
      ['message.sent', 200],
    ]);
    expect(statusesOf(got)).toEqual(DELIVERED);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(4);
    const listed = await pair.call('GET', `/events?messageId=${sent.body.messageId}&type=message.sent`);
    const attempts = listed.body.data[0].deliveries[0].attempts.map(
      (a: { statusCode: number }) => a.statusCode,
    );
    expect(attempts).toEqual([503, 503, 503, 200]);
  });

  it('When a send names a statusCallbackUrl, then that URL gets the events of that message only', async () => {
    const own = await startEventReceiver();
    const pair = await startPair({ config: withEvents([]) });

    const first = await pair.call('POST', '/send-sms', {
      to: '+15551234567',
      message: 'A',
      statusCallbackUrl: own.url,
    });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const other = await pair.call('POST', '/send-sms', { to: '+15551234568', message: 'B' });
    await pair.waitForMessage(other.body.messageId, (v) => v.status === 'Delivered');
    const got = await own.waitFor((a) => a.length >= 4);

    expect(statusesOf(got)).toEqual(DELIVERED);
    expect(got.every((e) => e.body.data.messageId === first.body.messageId && e.verified)).toBe(true);
  });

  it('When the service stops with events still failing and starts again, then what was pending is delivered after it', async () => {
    const receiver = await startEventReceiver({ respond: () => 503 });
    const pair = await startPair({ config: withEvents([receiver.url]) });
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Survive' });
    await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
    await receiver.waitForAny(1);
    await pair.service.stop();

    receiver.respond.current = () => 200;
    const { startService } = await import('../../src/service');
    const { createLogger } = await import('../../src/logger');
    const again = await startService({ ...pair.config, port: 0 }, createLogger('silent'));
    try {
      const got = await receiver.waitFor((a) => a.length >= 4);
      expect(statusesOf(got)).toEqual(DELIVERED);
      expect(got.every((e) => e.body.data.messageId === sent.body.messageId)).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
