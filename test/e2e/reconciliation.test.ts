import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { optOutRules } from '../../src/opt-outs/opt-out-settings';
import { findOptedOut } from '../../src/opt-outs/opt-outs.repository';
import {
  claimMessage,
  findMessagesToReconcile,
  openRecipients,
} from '../../src/reconciliation/reconciliation.repository';
import { resolveSendsInDoubt, sweepOnce } from '../../src/reconciliation/reconciliation.service';
import type { SinchClient } from '../../src/sinch/sinch.client';
import { createSinchClient } from '../../src/sinch/sinch.client';
import { DB_KINDS } from '../helpers/databases';
import { type Pair, startPair } from './harness';

const settings = { afterMs: 0, recheckMs: 60_000, expiryGraceMs: 0, batchSize: 50 };

/** Reports are lost: the batch carries no callback URL and the plan's default points nowhere. */
function lostCallbacks(db?: (typeof DB_KINDS)[number]) {
  return startPair({
    db,
    config: (c) => ({ ...c, publicBaseUrl: undefined }),
    emulator: { defaultCallbackUrl: 'http://127.0.0.1:9/nowhere', maxCallbackAttempts: 1 },
  });
}

async function sendAndLetSinchFinish(pair: Pair, to: string, { silent = false } = {}) {
  const sent = await pair.call('POST', '/send-sms', { to, message: 'Lost report' });
  expect(sent.status).toBe(202);
  const deadline = Date.now() + (silent ? 0 : 3_000);
  // The emulator knows the outcome once its (undeliverable) final callback was attempted.
  while (
    !pair.emulator.state.callbacks().some((c) => c.payload.status !== 'Dispatched') &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return sent.body as { messageId: string; batchId: string };
}

const deps = (pair: Pair, sinch: SinchClient = createSinchClient(pair.config.sinch)) => ({
  db: pair.service.db,
  sinch,
  log: createLogger('silent'),
  settings,
  optOuts: optOutRules(pair.config.optOuts),
});

/** The emulator's Sinch client, except that every recipient report it fetches says `status` and `code`. */
function answering(pair: Pair, status: 'Failed' | 'Dispatched', code: number): SinchClient {
  return {
    ...createSinchClient(pair.config.sinch),
    getRecipientReport: async (batchId, recipient) => ({
      type: 'recipient_delivery_report_sms',
      batch_id: batchId,
      recipient,
      code,
      status,
      at: new Date().toISOString(),
    }),
  };
}

describe.each(DB_KINDS)('reconciliation on %s', (db) => {
  it('When a delivery report never arrived, then the sweep asks Sinch and applies the answer', async () => {
    const pair = await lostCallbacks(db);
    const sent = await sendAndLetSinchFinish(pair, '+15551234567');
    expect((await pair.call('GET', `/messages/${sent.messageId}`)).body.status).toBe('Sent');

    const result = await sweepOnce(deps(pair));

    expect(result).toMatchObject({ applied: 1, failed: 0 });
    const view = (await pair.call('GET', `/messages/${sent.messageId}`)).body;
    expect(view.status).toBe('Delivered');
    expect(view.recipients[0].history.map((h: { status: string }) => h.status)).toEqual(['Delivered']);
  });

  it('When the batch expired with no final report, then the recipient is marked NoReport, and a late report still wins', async () => {
    const pair = await lostCallbacks(db);
    const sent = await sendAndLetSinchFinish(pair, '+15550100910', { silent: true });
    await pair.service.db
      .updateTable('messages')
      .set({ expire_at: new Date(Date.now() - 60_000).toISOString() })
      .where('id', '=', sent.messageId)
      .execute();

    const result = await sweepOnce(deps(pair));

    expect(result.noReport).toBe(1);
    expect((await pair.call('GET', `/messages/${sent.messageId}`)).body.status).toBe('NoReport');
    const late = await pair.call('POST', '/webhooks/dlr', {
      type: 'recipient_delivery_report_sms',
      batch_id: sent.batchId,
      recipient: '15550100910',
      status: 'Delivered',
      code: 0,
      at: new Date().toISOString(),
    });
    expect(late.status).toBe(200);
    expect((await pair.call('GET', `/messages/${sent.messageId}`)).body.status).toBe('Delivered');
  });
});

describe('reconciliation after a full report', () => {
  it('When a full report left a recipient Dispatched with no time and the batch expired, then it becomes NoReport', async () => {
    const pair = await lostCallbacks();
    const sent = await sendAndLetSinchFinish(pair, '+15550100910', { silent: true });
    await pair.call('POST', '/webhooks/dlr', {
      type: 'delivery_report_sms',
      batch_id: sent.batchId,
      total_message_count: 1,
      statuses: [{ code: 401, status: 'Dispatched', count: 1, recipients: ['15550100910'] }],
    });
    await pair.service.db
      .updateTable('messages')
      .set({ expire_at: new Date(Date.now() - 60_000).toISOString() })
      .execute();

    const result = await sweepOnce(deps(pair));

    expect(result.noReport).toBe(1);
    expect((await pair.call('GET', `/messages/${sent.messageId}`)).body.status).toBe('NoReport');
  });
});

describe('reconciliation and opt-outs', () => {
  it('When the report the sweep fetches carries code 257, then the recipient is opted out as from a callback', async () => {
    const pair = await lostCallbacks();
    const sent = await sendAndLetSinchFinish(pair, '+15551234567');
    // Sinch's answer for a toll-free number whose owner sent STOP to the network.
    const optedOutAtSinch = answering(pair, 'Failed', 257);

    const result = await sweepOnce(deps(pair, optedOutAtSinch));

    expect(result.applied).toBe(1);
    expect((await pair.call('GET', `/messages/${sent.messageId}`)).body.status).toBe('Failed');
    const optedOut = await findOptedOut(pair.service.db, ['15551234567']);
    expect(optedOut.get('15551234567')?.source).toBe('delivery_code');
  });
});

describe('reconciliation across instances', () => {
  it('When two instances sweep at once, then each recipient is asked about once', async () => {
    const pair = await lostCallbacks();
    for (const to of ['+15551230001', '+15551230002', '+15551230003']) await sendAndLetSinchFinish(pair, to);
    const real = createSinchClient(pair.config.sinch);
    const asked: string[] = [];
    const counting: SinchClient = {
      ...real,
      getRecipientReport: (batchId, recipient) => {
        asked.push(`${batchId}/${recipient}`);
        return real.getRecipientReport(batchId, recipient);
      },
    };

    const [a, b] = await Promise.all([
      sweepOnce(deps(pair, counting), 'instance-a'),
      sweepOnce(deps(pair, counting), 'instance-b'),
    ]);

    expect(asked).toHaveLength(3);
    expect(new Set(asked).size).toBe(3);
    expect(a.applied + b.applied).toBe(3);
  });

  it('When another instance checked a message between this sweep listing it and claiming it, then the claimed message has no recipient left for this sweep to ask Sinch about', async () => {
    const pair = await lostCallbacks();
    const sent = await sendAndLetSinchFinish(pair, '+15551230001');
    const { db } = pair.service;
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    // What sweepOnce does per message, in the order the race gives: b lists, a sweeps, b claims.
    const listed = await findMessagesToReconcile(db, now, now, 50);
    expect(listed.map((m) => m.id)).toEqual([sent.messageId]);
    // Sinch says the message is still on its way: the recipient stays open, checked again in a minute.
    const onItsWay = answering(pair, 'Dispatched', 401);
    const a = await sweepOnce(deps(pair, onItsWay), 'instance-a', nowMs);
    expect(a.failed).toBe(0);
    expect(a.applied + a.unchanged).toBe(1);
    expect(
      await claimMessage(db, sent.messageId, 'instance-b', now, new Date(nowMs + 60_000).toISOString()),
    ).toBe(true);

    expect(await openRecipients(db, sent.messageId, now)).toEqual([]);
  });

  it('When a send timed out though Sinch took it and no report came, then the sweep finds its batch and follows it to Delivered', async () => {
    const pair = await lostCallbacks();
    const sent = await pair.call('POST', '/send-sms', { to: '+15550100924', message: 'In doubt' });
    expect(sent.status).toBe(504);
    const [row] = await pair.service.db.selectFrom('messages').select(['id', 'send_status']).execute();
    expect(row?.send_status).toBe('SendFailed');

    const doubt = await resolveSendsInDoubt(deps(pair));
    const adopted = (await pair.call('GET', `/messages/${row?.id}`)).body;
    const swept = await sweepOnce(deps(pair));
    const settled = (await pair.call('GET', `/messages/${row?.id}`)).body;

    expect(doubt).toEqual({ adopted: 1, notFound: 0, failed: 0 });
    expect(adopted).toMatchObject({
      sendStatus: 'Sent',
      batchId: pair.emulator.state.batches()[0]?.batch.id,
    });
    expect(swept.applied).toBe(1);
    expect(settled.status).toBe('Delivered');
  });

  it('When Sinch has no batch for a send in doubt, then it stays SendFailed and is not asked about again', async () => {
    const pair = await lostCallbacks();
    const sent = await pair.call('POST', '/send-sms', { to: '+15550100923', message: 'Never taken' });
    expect(sent.status).toBe(502);

    const first = await resolveSendsInDoubt(deps(pair));
    const again = await resolveSendsInDoubt(deps(pair));
    const later = await resolveSendsInDoubt(
      deps(pair),
      'instance-a',
      Date.now() + settings.recheckMs + 1_000,
    );

    expect(first).toEqual({ adopted: 0, notFound: 1, failed: 0 });
    expect(again).toEqual({ adopted: 0, notFound: 0, failed: 0 });
    expect(later).toEqual({ adopted: 0, notFound: 0, failed: 0 });
    const rows = await pair.service.db.selectFrom('messages').select(['send_status', 'batch_id']).execute();
    expect(rows).toEqual([{ send_status: 'SendFailed', batch_id: null }]);
  });

  it('When Sinch cannot be asked about a send in doubt, then it is asked again after the recheck time', async () => {
    const pair = await lostCallbacks();
    await pair.call('POST', '/send-sms', { to: '+15550100924', message: 'In doubt' });
    const real = createSinchClient(pair.config.sinch);
    const down: SinchClient = {
      ...real,
      findBatchByClientReference: async () => {
        throw new Error('connection refused');
      },
    };

    const first = await resolveSendsInDoubt(deps(pair, down));
    const again = await resolveSendsInDoubt(deps(pair, down));
    const later = await resolveSendsInDoubt(
      deps(pair),
      'instance-a',
      Date.now() + settings.recheckMs + 1_000,
    );

    expect(first.failed).toBe(1);
    expect(again).toEqual({ adopted: 0, notFound: 0, failed: 0 });
    expect(later.adopted).toBe(1);
  });

  it('When a batch is scheduled for later, then the sweep does not ask about it before it has left', async () => {
    const pair = await lostCallbacks();
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const sent = await pair.call('POST', '/send-sms', { to: '+15551230021', message: 'Later', sendAt });
    expect(sent.status).toBe(202);
    const real = createSinchClient(pair.config.sinch);
    const asked: string[] = [];
    const counting: SinchClient = {
      ...real,
      getRecipientReport: (batchId, recipient) => {
        asked.push(recipient);
        return real.getRecipientReport(batchId, recipient);
      },
    };

    await sweepOnce(deps(pair, counting));
    const anHourOn = Date.now() + 3_600_000 + 1_000;
    await sweepOnce(deps(pair, counting), 'instance-a', anHourOn);

    // Asked only once the batch was due to leave.
    expect(asked).toEqual(['15551230021']);
  });

  it('When the service is stopping, then the sweep ends after the recipient it is checking and frees its leases', async () => {
    const pair = await lostCallbacks();
    for (const to of ['+15551230011', '+15551230012', '+15551230013']) await sendAndLetSinchFinish(pair, to);
    const real = createSinchClient(pair.config.sinch);
    let stopping = false;
    const asked: string[] = [];
    const stopsAfterFirst: SinchClient = {
      ...real,
      getRecipientReport: (batchId, recipient) => {
        asked.push(recipient);
        stopping = true; // SIGTERM arrives while the first call is out
        return real.getRecipientReport(batchId, recipient);
      },
    };

    const result = await sweepOnce(deps(pair, stopsAfterFirst), 'instance-a', Date.now(), () => stopping);

    expect(asked).toHaveLength(1);
    expect(result.applied).toBe(1);
    const leased = await pair.service.db
      .selectFrom('messages')
      .select('id')
      .where('lease_owner', 'is not', null)
      .execute();
    expect(leased).toEqual([]);
  });

  it('When the service runs with reconciliation on, then a lost report is applied without any callback', async () => {
    const pair = await startPair({
      config: (c) => ({
        ...c,
        publicBaseUrl: undefined,
        // A sweep may ask before the emulator has delivered (it answers Dispatched): it asks again soon.
        reconcile: { ...c.reconcile, ...settings, intervalMs: 100, recheckMs: 100 },
      }),
      emulator: { defaultCallbackUrl: 'http://127.0.0.1:9/nowhere', maxCallbackAttempts: 1 },
    });

    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Swept' });

    const view = await pair.waitForMessage(sent.body.messageId, (v) => v.status === 'Delivered');
    expect(view.recipients[0]?.history.at(-1)?.status).toBe('Delivered');
  });
});
