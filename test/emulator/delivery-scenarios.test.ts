import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchDeliveryReportSchema, recipientDeliveryReportSchema } from '../../src/sinch/callbacks.schemas';
import { type Harness, idle, settled, startHarness, timeline, waitFor } from './emulator.harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const send = (to: string[], delivery_report: string, extra: Record<string, unknown> = {}) =>
  h.api('POST', '/batches', { to, body: 'hi', delivery_report, ...extra });

describe('delivery scenarios (per_recipient callbacks)', () => {
  it('When numbers end in the outcome suffixes, then each gets Dispatched then its final status and code', async () => {
    const res = await send(
      ['+15551234567', '+15550100901', '+15550100902', '+15550100903', '+15550100904', '+15550100905'],
      'per_recipient',
      { client_reference: 'ref-s' },
    );
    await waitFor(() => h.receiver.received.length === 12);
    expect(timeline(h.receiver, '15551234567')).toEqual(['Dispatched/401', 'Delivered/0']);
    expect(timeline(h.receiver, '15550100901')).toEqual(['Dispatched/401', 'Failed/153']);
    expect(timeline(h.receiver, '15550100902')).toEqual(['Dispatched/401', 'Expired/406']);
    expect(timeline(h.receiver, '15550100903')).toEqual(['Dispatched/401', 'Rejected/402']);
    expect(timeline(h.receiver, '15550100904')).toEqual(['Dispatched/401', 'Aborted/412']);
    expect(timeline(h.receiver, '15550100905')).toEqual(['Dispatched/401', 'Deleted/150']);
    for (const { body } of h.receiver.received) {
      expect(recipientDeliveryReportSchema.safeParse(body).success).toBe(true);
      expect(body).toMatchObject({
        type: 'recipient_delivery_report_sms',
        batch_id: res.body.id,
        client_reference: 'ref-s',
      });
      expect(body.at).toMatch(/\.\d{3}Z$/);
      expect('operator_status_at' in body).toBe(body.status !== 'Dispatched');
    }
  });

  it('When a number ends in 910, then no callback is ever sent and GET stays at Dispatched', async () => {
    const res = await send(['+15550100910', '+15551234567'], 'per_recipient');
    await waitFor(() => h.receiver.received.length === 2);
    await settled(h, res.body.id);
    expect(timeline(h.receiver, '15550100910')).toEqual([]);
    const report = await h.api('GET', `/batches/${res.body.id}/delivery_report/15550100910`);
    expect(report.body).toMatchObject({ status: 'Dispatched', code: 401 });
  });

  it('When a number ends in 911, then the final report arrives three times, byte-identical', async () => {
    const res = await send(['+15550100911'], 'per_recipient_final');
    await waitFor(() => h.receiver.received.length === 3);
    await settled(h, res.body.id);
    expect(timeline(h.receiver, '15550100911')).toEqual(['Delivered/0', 'Delivered/0', 'Delivered/0']);
    expect(new Set(h.receiver.received.map((c) => c.rawBody)).size).toBe(1);
  });

  it('When a number ends in 912, then Delivered arrives before Dispatched and GET shows Delivered', async () => {
    const res = await send(['+15550100912'], 'per_recipient');
    await waitFor(() => h.receiver.received.length === 2);
    expect(timeline(h.receiver, '15550100912')).toEqual(['Delivered/0', 'Dispatched/401']);
    const report = await h.api('GET', `/batches/${res.body.id}/delivery_report/15550100912`);
    expect(report.body).toMatchObject({ status: 'Delivered', code: 0 });
  });

  it('When a number ends in 913, then the final report comes only after slowReportMs', async () => {
    const started = Date.now();
    await send(['+15550100913'], 'per_recipient');
    await waitFor(() => h.receiver.received.length === 2);
    expect(timeline(h.receiver, '15550100913')).toEqual(['Dispatched/401', 'Delivered/0']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('When slow reports are held, then the 913 final report waits for POST /_emulator/release and the emulator is busy until then', async () => {
    const held = await startHarness({ slowReportMs: 'held' });
    try {
      const res = await held.api('POST', '/batches', {
        to: ['+15550100913'],
        body: 'x',
        delivery_report: 'per_recipient',
      });
      await waitFor(() => held.receiver.received.length === 1);
      const before = (await (await fetch(`${held.baseUrl}/_emulator/messages`)).json()) as {
        pending: unknown;
      };
      expect(before.pending).toEqual({ timers: 0, heldReports: 1 });
      expect(held.emulator.state.idle()).toBe(false);

      const release = await fetch(`${held.baseUrl}/_emulator/release`, { method: 'POST' });

      expect(await release.json()).toEqual({ released: 1 });
      await idle(held);
      expect(timeline(held.receiver, '15550100913')).toEqual(['Dispatched/401', 'Delivered/0']);
      const report = await held.api('GET', `/batches/${res.body.id}/delivery_report/15550100913`);
      expect(report.body).toMatchObject({ status: 'Delivered', code: 0 });
    } finally {
      await held.stop();
    }
  });
});

describe('scheduled batches', () => {
  it('When send_at is ahead, then recipients stay Queued and no report comes until then', async () => {
    const sendAt = Date.now() + 2_000;
    const res = await send(['+15551234567'], 'per_recipient', { send_at: new Date(sendAt).toISOString() });

    const before = await h.api('GET', `/batches/${res.body.id}/delivery_report/15551234567`);
    expect(Date.now(), 'the check ran before send_at').toBeLessThan(sendAt);
    expect(h.receiver.received).toHaveLength(0);
    expect(before.body).toMatchObject({ status: 'Queued', code: 400 });

    await waitFor(() => h.receiver.received.length === 2, 5_000);
    expect(timeline(h.receiver, '15551234567')).toEqual(['Dispatched/401', 'Delivered/0']);
    // No report before send_at: none even reached the receiver earlier.
    expect(Math.min(...h.receiver.received.map((c) => c.receivedAt))).toBeGreaterThanOrEqual(sendAt);
    expect(Math.min(...h.receiver.received.map((c) => Date.parse(String(c.body.at))))).toBeGreaterThanOrEqual(
      sendAt,
    );
  });

  it('When a scheduled batch is cancelled before send_at, then no report is ever sent and its delivery report is empty', async () => {
    // Far enough ahead that the cancel is in before it on a busy machine (300 ms was not).
    const sendAt = new Date(Date.now() + 2_000).toISOString();
    const cancelled = await send(['+15551234567'], 'per_recipient', { send_at: sendAt });
    // A twin sent for the same moment, not cancelled: once its final report is in, the cancelled one's would be too.
    await send(['+15557654321'], 'per_recipient', { send_at: sendAt });
    const cancel = await h.api('DELETE', `/batches/${cancelled.body.id}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ id: cancelled.body.id, canceled: true });

    await waitFor(() => timeline(h.receiver, '15557654321').includes('Delivered/0'), 6_000);
    expect(timeline(h.receiver, '15551234567')).toEqual([]);
    const report = await h.api('GET', `/batches/${cancelled.body.id}/delivery_report?type=full`);
    expect(report.body).toEqual({
      batch_id: cancelled.body.id,
      statuses: [],
      total_message_count: 1,
      type: 'delivery_report_sms',
    });
  });
});

describe('delivery_report modes', () => {
  it('When full is asked, then one delivery_report_sms lists recipients per status once all are final', async () => {
    const res = await send(['+15551234567', '+15550100904'], 'full', { client_reference: 'ref-f' });
    await waitFor(() => h.receiver.received.length === 1);
    await settled(h, res.body.id);
    expect(h.receiver.received).toHaveLength(1);
    const body = h.receiver.received[0]?.body ?? {};
    expect(batchDeliveryReportSchema.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({
      type: 'delivery_report_sms',
      batch_id: res.body.id,
      total_message_count: 2,
      client_reference: 'ref-f',
    });
    expect(body.statuses).toEqual(
      expect.arrayContaining([
        { code: 0, status: 'Delivered', count: 1, recipients: ['15551234567'] },
        { code: 412, status: 'Aborted', count: 1, recipients: ['15550100904'] },
      ]),
    );
  });

  it('When summary is asked, then the single batch report has counts but no recipients', async () => {
    await send(['+15551234567', '+15557654321'], 'summary');
    await waitFor(() => h.receiver.received.length === 1);
    expect(h.receiver.received[0]?.body.statuses).toEqual([{ code: 0, status: 'Delivered', count: 2 }]);
  });

  it('When none is asked, then no callback is sent', async () => {
    const res = await send(['+15551234567'], 'none');
    await settled(h, res.body.id);
    expect(h.receiver.received).toHaveLength(0);
  });

  it('When the batch names its own callback_url, then callbacks go there instead of the default', async () => {
    const other = await startHarness();
    try {
      await send(['+15551234567'], 'per_recipient_final', { callback_url: other.receiver.url });
      await waitFor(() => other.receiver.received.length === 1);
      expect(h.receiver.received).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });
});
