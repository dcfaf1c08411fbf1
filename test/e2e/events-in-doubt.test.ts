import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { optOutRules } from '../../src/opt-outs/opt-out-settings';
import { resolveSendsInDoubt, sweepOnce } from '../../src/reconciliation/reconciliation.service';
import { createSinchClient } from '../../src/sinch/sinch.client';
import { startEventReceiver, statusesOf, withEvents } from '../helpers/event-receiver';
import type { Pair } from './harness';
import { startPair } from './harness';

// +15550100924: the emulator creates the batch but never answers the first POST /batches, so our call
// times out (SendFailed, in doubt) although Sinch has the batch.
const IN_DOUBT = '+15550100924';

const reconcile = (pair: Pair) => ({
  db: pair.service.db,
  sinch: createSinchClient(pair.config.sinch),
  log: createLogger('silent'),
  settings: { afterMs: 0, recheckMs: 60_000, expiryGraceMs: 0, batchSize: 50 },
  optOuts: optOutRules(pair.config.optOuts),
});

describe('a send in doubt that Sinch did take', () => {
  it('When our call times out before any report, then the receiver gets message.send_failed SendFailed, then a late message.sent with the batch id when a report names the message, then its statuses', async () => {
    const receiver = await startEventReceiver();
    // Reports come after our call has given up (its timeout is 1 s).
    const pair = await startPair({
      config: withEvents([receiver.url]),
      emulator: { callbackDelayMs: 1_500 },
    });

    const sent = await pair.call('POST', '/send-sms', { to: IN_DOUBT, message: 'In doubt' });
    expect(sent.status).toBe(504);
    const got = await receiver.waitFor((a) => a.length >= 5);

    expect(statusesOf(got)).toEqual([
      'message.send_failed SendFailed',
      'message.sent',
      'message.status_changed Dispatched',
      'message.status_changed Delivered',
      'message.completed',
    ]);
    const batchId = pair.emulator.state.batches()[0]?.batch.id;
    expect(got[0]?.body.data.batchId).toBeNull();
    expect(got.slice(1).every((e) => e.body.data.batchId === batchId)).toBe(true);
    expect(new Set(got.map((e) => e.body.data.messageId)).size).toBe(1);
  });

  it('When no report reaches us, then the reconciliation finds the batch: message.sent follows message.send_failed, then what the sweep learns', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({
      config: (c) => withEvents([receiver.url])({ ...c, publicBaseUrl: undefined }),
      emulator: { defaultCallbackUrl: 'http://127.0.0.1:9/nowhere', maxCallbackAttempts: 1 },
    });
    const sent = await pair.call('POST', '/send-sms', { to: IN_DOUBT, message: 'In doubt' });
    expect(sent.status).toBe(504);
    await receiver.waitFor((a) => a.length >= 1);

    expect(await resolveSendsInDoubt(reconcile(pair))).toEqual({ adopted: 1, notFound: 0, failed: 0 });
    await pair.emulatorIdle();
    expect((await sweepOnce(reconcile(pair))).applied).toBe(1);
    const got = await receiver.waitFor((a) => a.length >= 4);

    expect(statusesOf(got)).toEqual([
      'message.send_failed SendFailed',
      'message.sent',
      'message.status_changed Delivered',
      'message.completed',
    ]);
  });
});
