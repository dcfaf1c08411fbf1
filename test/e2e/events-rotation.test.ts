import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { contractProblems } from '../helpers/contract';
import { DB_KINDS } from '../helpers/databases';
import { type Received, startEventReceiver, withEvents } from '../helpers/event-receiver';
import { type Pair, startPair } from './harness';

/** Whether standardwebhooks' own Webhook.verify, given this one secret only, accepts the event. */
function acceptedBy(secret: string, event: Received): boolean {
  try {
    new Webhook(secret).verify(event.raw, event.headers);
    return true;
  } catch {
    return false;
  }
}

/** Sends one SMS and waits for its four events at the receiver; returns those. */
async function sendAndReceive(pair: Pair, receiver: Awaited<ReturnType<typeof startEventReceiver>>) {
  // Counted as waitFor counts: each webhook-id once.
  const before = new Set(receiver.accepted().map((e) => e.id)).size;
  const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Rotate' });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  const got = await receiver.waitFor((a) => a.length >= before + 4);
  // Recorded as delivered before anything else happens: nothing is in flight when the clock moves.
  await vi.waitUntil(async () => (await pair.call('GET', '/events?status=pending')).body.data.length === 0, {
    timeout: 10_000,
    interval: 20,
  });
  const mine = got.slice(before).filter((e) => e.body.data.messageId === sent.body.messageId);
  expect(mine).toHaveLength(4);
  return mine;
}

async function registerEndpoint(pair: Pair, url: string): Promise<{ id: string; secret: string }> {
  const created = await pair.call('POST', '/event-endpoints', { url });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

const storedSecrets = (pair: Pair) =>
  pair.service.db.selectFrom('event_endpoints').select(['secrets', 'retiring_secrets']).execute();

describe.each(DB_KINDS)('rotating the secret of an endpoint stored in the database, on %s', (db) => {
  it('When a secret is shown, at registration or rotation, then the answer says Cache-Control: no-store and the list shows none', async () => {
    const pair = await startPair({ db, config: withEvents([]) });
    const post = (path: string, body: unknown) =>
      fetch(`${pair.config.publicBaseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post('/event-endpoints', { url: 'https://events.example.test/hooks' });
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    const rotated = await post(`/event-endpoints/${id}/rotate-secret`, { overlapSeconds: 0 });

    expect(created.status).toBe(201);
    expect(secret).toMatch(/^whsec_/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const listed = await fetch(`${pair.config.publicBaseUrl}/event-endpoints`);
    expect(JSON.stringify(await listed.json())).not.toContain('whsec_');
  });

  it('When a secret is rotated with an overlap, then until it ends a receiver with only the old secret and one with only the new both accept every event, and after it only the new one does', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ db, config: withEvents([]) });
    const endpoint = await registerEndpoint(pair, receiver.url);

    const rotatedAt = Date.now();
    const rotated = await pair.call('POST', `/event-endpoints/${endpoint.id}/rotate-secret`, {
      overlapSeconds: 600,
    });

    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const { secret: fresh } = rotated.body;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(endpoint.secret);
    expect(rotated.body).toMatchObject({ id: endpoint.id, url: receiver.url, source: 'api' });
    const ends = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(ends - rotatedAt).toBeGreaterThanOrEqual(600_000 - 1_000);
    expect(ends - rotatedAt).toBeLessThanOrEqual(600_000 + 5_000);
    receiver.useSecret(fresh);

    const during = await sendAndReceive(pair, receiver);
    for (const event of during) {
      expect(acceptedBy(endpoint.secret, event), `old secret, ${event.type}`).toBe(true);
      expect(acceptedBy(fresh, event), `new secret, ${event.type}`).toBe(true);
      expect(event.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    }
    for (const path of ['/event-endpoints', `/event-endpoints/${endpoint.id}`]) {
      const shown = JSON.stringify((await pair.call('GET', path)).body);
      expect(shown).not.toContain(endpoint.secret);
      expect(shown).not.toContain(fresh);
      expect(shown).toContain(rotated.body.previousSecretExpiresAt);
    }

    // Only Date is faked, and it goes on running: the overlap ends by the clock, the I/O stays real.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: ends + 1_000 });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const shown = await pair.call('GET', `/event-endpoints/${endpoint.id}`);
    expect(shown.body.previousSecretExpiresAt).toBeNull();

    const after = await sendAndReceive(pair, receiver);
    for (const event of after) {
      expect(acceptedBy(endpoint.secret, event), `old secret, ${event.type}`).toBe(false);
      expect(acceptedBy(fresh, event), `new secret, ${event.type}`).toBe(true);
      expect(event.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    }
    const logged = pair.logs.text();
    expect(logged).not.toContain(endpoint.secret);
    expect(logged).not.toContain(fresh);
    expect(pair.logs.find('event endpoint secret rotated')).toHaveLength(1);
  });

  it('When a secret is rotated with overlapSeconds 0, then the old secret, and one an earlier rotation replaced, stop signing at once', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ db, config: withEvents([]) });
    const endpoint = await registerEndpoint(pair, receiver.url);
    const first = await pair.call('POST', `/event-endpoints/${endpoint.id}/rotate-secret`, {
      overlapSeconds: 3_600,
    });
    expect(first.status).toBe(200);

    const second = await pair.call('POST', `/event-endpoints/${endpoint.id}/rotate-secret`, {
      overlapSeconds: 0,
    });

    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.previousSecretExpiresAt).toBeNull();
    receiver.useSecret(second.body.secret);
    const events = await sendAndReceive(pair, receiver);
    for (const event of events) {
      expect(acceptedBy(endpoint.secret, event), `first secret, ${event.type}`).toBe(false);
      expect(acceptedBy(first.body.secret, event), `second secret, ${event.type}`).toBe(false);
      expect(acceptedBy(second.body.secret, event), `newest secret, ${event.type}`).toBe(true);
    }
  });

  it('When a rotation asks for no particular overlap, then the old secret signs on for a day', async () => {
    const pair = await startPair({ db, config: withEvents([]) });
    const endpoint = await registerEndpoint(pair, 'http://127.0.0.1:9/hooks');
    const before = Date.now();

    const rotated = await pair.call('POST', `/event-endpoints/${endpoint.id}/rotate-secret`);

    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const ends = Date.parse(rotated.body.previousSecretExpiresAt) - before;
    expect(ends).toBeGreaterThanOrEqual(86_400_000 - 1_000);
    expect(ends).toBeLessThanOrEqual(86_400_000 + 5_000);
  });
});

describe('refused rotations', () => {
  it('When the endpoint is unknown, then the answer is 404 NOT_FOUND in the JSON error shape', async () => {
    const pair = await startPair({ config: withEvents([]) });

    const res = await pair.call('POST', '/event-endpoints/ep_nothing_like_it/rotate-secret', {});

    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'No event endpoint with id "ep_nothing_like_it".',
      code: 'NOT_FOUND',
      requestId: expect.any(String),
    });
  });

  it('When the endpoint comes from EVENT_WEBHOOK_URLS, then the answer is 400 and points at EVENT_WEBHOOK_SECRET', async () => {
    const pair = await startPair({ config: withEvents(['http://127.0.0.1:9/hooks']) });
    const [configured] = await vi.waitUntil(
      async () => {
        const listed = (await pair.call('GET', '/event-endpoints')).body.data;
        return listed.length > 0 ? listed : undefined;
      },
      { timeout: 5_000, interval: 20 },
    );

    const res = await pair.call('POST', `/event-endpoints/${configured.id}/rotate-secret`, {});

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    expect(res.body.error).toContain('EVENT_WEBHOOK_SECRET');
  });

  it.each([
    [{ overlapSeconds: -1 }, 'must be at least 0'],
    [{ overlapSeconds: 604_801 }, 'must be at most 604,800'],
    [{ overlapSeconds: 1.5 }, 'must be a whole number'],
    [{ overlapSeconds: '60' }, 'must be a number'],
  ])(
    'When the body is %j, then the answer is 400 VALIDATION_FAILED naming overlapSeconds (%s) and the secret is kept',
    async (body, problem) => {
      const pair = await startPair({ config: withEvents([]) });
      const endpoint = await registerEndpoint(pair, 'http://127.0.0.1:9/hooks');

      const res = await pair.call('POST', `/event-endpoints/${endpoint.id}/rotate-secret`, body);

      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'overlapSeconds', problem }]);
      expect(await storedSecrets(pair)).toEqual([
        { secrets: JSON.stringify([endpoint.secret]), retiring_secrets: null },
      ]);
    },
  );

  it('When the body is not JSON, then the answer is 415 and nothing is rotated', async () => {
    const pair = await startPair({ config: withEvents([]) });
    const endpoint = await registerEndpoint(pair, 'http://127.0.0.1:9/hooks');

    const path = `/event-endpoints/${endpoint.id}/rotate-secret`;
    const res = await fetch(`${pair.config.publicBaseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'overlapSeconds=0',
    });

    const body = await res.text();
    expect(res.status).toBe(415);
    expect(JSON.parse(body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const contentType = res.headers.get('content-type') ?? '';
    expect(contractProblems({ method: 'POST', path, status: 415, contentType, body })).toEqual([]);
    const shown = await pair.call('GET', `/event-endpoints/${endpoint.id}`);
    expect(shown.body.previousSecretExpiresAt).toBeNull();
    expect(await storedSecrets(pair)).toEqual([
      { secrets: JSON.stringify([endpoint.secret]), retiring_secrets: null },
    ]);
  });
});
