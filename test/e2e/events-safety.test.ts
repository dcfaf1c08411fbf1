import { describe, expect, it, vi } from 'vitest';
import { postEvent } from '../../src/events/event-post';
import { isInternalAddress } from '../../src/events/url-guard';
import { createLogger } from '../../src/logger';
import { type RunningService, startService } from '../../src/service';
import { DB_KINDS } from '../helpers/databases';
import { startEventReceiver, withEvents } from '../helpers/event-receiver';
import { startPair } from './harness';

const strict = { allowHttp: false, allowPrivate: false };

describe('event URLs cannot reach into our own network', () => {
  it('When an endpoint or a statusCallbackUrl is http, loopback, private or link-local, then it is refused with 400', async () => {
    const pair = await startPair({ config: withEvents([], { urlRules: strict }) });

    for (const url of [
      'http://example.com/hooks',
      'https://127.0.0.1/hooks',
      'https://localhost/hooks',
      'https://10.1.2.3/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
    ]) {
      const created = await pair.call('POST', '/event-endpoints', { url });
      expect(created.status, url).toBe(400);
      expect(created.body.details[0].field).toBe('url');
      const sent = await pair.call('POST', '/send-sms', {
        to: '+15551234567',
        message: 'x',
        statusCallbackUrl: url,
      });
      expect(sent.status, url).toBe(400);
      expect(sent.body.details[0].field).toBe('statusCallbackUrl');
    }
    expect(pair.emulator.state.batches()).toHaveLength(0);
  });

  it('When a name passed at registration resolves to an internal address at delivery, then nothing is connected to', async () => {
    const receiver = await startEventReceiver();
    // localhost resolves to loopback: what a re-pointed name looks like when the event is sent.
    const result = await postEvent(
      receiver.url.replace('127.0.0.1', 'localhost'),
      '{}',
      {},
      {
        timeoutMs: 1_000,
        rules: { allowHttp: true, allowPrivate: false },
      },
    );

    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^refused: localhost resolves to/);
    expect(receiver.received).toHaveLength(0);
  });

  it.each([
    ['127.0.0.1', true],
    ['10.0.0.8', true],
    ['172.20.1.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:10.0.0.1', true],
    ['93.184.216.34', false],
    ['2606:2800:220:1::1', false],
  ])('isInternalAddress(%s) is %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });
});

describe('the endpoint API', () => {
  it('When an endpoint is registered, then its secret is shown once, it gets only its event types, and DELETE removes it', async () => {
    const pair = await startPair({ config: withEvents([]) });
    const receiver = await startEventReceiver();

    const created = await pair.call('POST', '/event-endpoints', {
      url: receiver.url,
      eventTypes: ['message.completed'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const listed = await pair.call('GET', '/event-endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    receiver.useSecret(created.body.secret);
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Hi' });
    await receiver.waitForAny(1);
    const [only] = receiver.received;
    expect(only?.type).toBe('message.completed');
    expect(only?.body.data.messageId).toBe(sent.body.messageId);
    expect(only?.verified).toBe(true);

    expect((await pair.call('DELETE', `/event-endpoints/${created.body.id}`)).status).toBe(204);
    expect((await pair.call('GET', '/event-endpoints')).body.data).toEqual([]);
  });
});

describe.each(DB_KINDS.filter((k) => k === 'postgres'))('two instances on one %s database', (db) => {
  it('When both dispatch the same outbox, then the receiver gets each event exactly once, in order per message', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ db, config: withEvents([receiver.url]) });
    let second: RunningService | undefined;
    try {
      second = await startService({ ...pair.config, port: 0 }, createLogger('silent'));
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const sent = await pair.call('POST', '/send-sms', { to: `+1555123456${i}`, message: `n${i}` });
        ids.push(sent.body.messageId);
      }
      const got = await receiver.waitFor((a) => a.length >= 24, 20_000);
      // Every delivery recorded as done: a duplicate would have come before that.
      await vi.waitUntil(
        async () => (await pair.call('GET', '/events?status=pending')).body.data.length === 0,
        { timeout: 10_000, interval: 20 },
      );

      expect(receiver.received).toHaveLength(24);
      expect(new Set(got.map((e) => e.id)).size).toBe(24);
      for (const id of ids) {
        const mine = got.filter((e) => e.body.data.messageId === id).map((e) => e.type);
        expect(mine).toEqual([
          'message.sent',
          'message.status_changed',
          'message.status_changed',
          'message.completed',
        ]);
      }
    } finally {
      await second?.stop();
    }
  });
});
