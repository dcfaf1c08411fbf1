import { type Sms, SmsCallbackWebhooks } from '@sinch/sdk-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReceivedCallback, waitFor } from '../emulator/emulator.harness';
import { inMs, postInbound, type SdkHarness, SECRET, startSdkHarness } from './sdk.harness';

// Delivery reports and inbounds through the official SDK, and every callback the emulator posts checked
// with the SDK's own signature check and parser.
let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  await h.stop();
});

const webhooks = new SmsCallbackWebhooks(SECRET);

/** Every callback received so far passes the SDK's check and parses; the parsed events, in order. */
function checkedEvents(received: ReceivedCallback[]) {
  return received.map((callback) => {
    expect(webhooks.validateAuthenticationHeader(callback.headers, callback.rawBody)).toBe(true);
    return webhooks.parseEvent(callback.rawBody);
  });
}

const finalReports = (count: number) =>
  waitFor(
    () => h.receiver.received.filter((c) => c.body.status && c.body.status !== 'Dispatched').length >= count,
  );

describe('official SDK: delivery reports', () => {
  it('When a per_recipient batch is delivered and failed, then every callback verifies and parses, and the SDK reads the reports', async () => {
    const sent = await h.sms.batches.sendTextMessage({
      sendSMSRequestBody: {
        to: ['+15551234567', '+15550100901'],
        body: 'x',
        delivery_report: 'per_recipient',
        client_reference: 'dr-ref',
      },
    });
    const batchId = String(sent.id);
    await finalReports(2);
    const events = checkedEvents(h.receiver.received) as Sms.RecipientDeliveryReport[];
    expect(events.map((e) => `${e.recipient} ${e.status}/${e.code}`).sort()).toEqual([
      '15550100901 Dispatched/401',
      '15550100901 Failed/153',
      '15551234567 Delivered/0',
      '15551234567 Dispatched/401',
    ]);
    expect(events.every((e) => e.at instanceof Date && e.client_reference === 'dr-ref')).toBe(true);

    const summary: Sms.DeliveryReport = await h.sms.deliveryReports.get({ batch_id: batchId });
    expect(summary).toMatchObject({ batch_id: batchId, total_message_count: 2, type: 'delivery_report_sms' });
    const failedOnly = await h.sms.deliveryReports.get({
      batch_id: batchId,
      type: 'full',
      status: ['Failed'],
    });
    expect(failedOnly.statuses).toEqual([
      { code: 153, count: 1, recipients: ['15550100901'], status: 'Failed' },
    ]);
    const byCode = await h.sms.deliveryReports.get({ batch_id: batchId, type: 'full', code: [0] });
    expect(byCode.statuses).toEqual([
      { code: 0, count: 1, recipients: ['15551234567'], status: 'Delivered' },
    ]);

    const one: Sms.RecipientDeliveryReport = await h.sms.deliveryReports.getForNumber({
      batch_id: batchId,
      phone_number: '+15550100901',
    });
    expect(one).toMatchObject({ recipient: '15550100901', status: 'Failed', code: 153 });
    expect(one.at).toBeInstanceOf(Date);
  });

  it('When it lists delivery reports with filters, then only the matching recipients come, page by page', async () => {
    for (const ref of ['a', 'b']) {
      await h.sms.batches.send({
        sendSMSRequestBody: { to: ['+15551234567', '+15550100903'], body: ref, client_reference: ref },
      });
    }
    await waitFor(() =>
      h.emulator.state.batches().every((b) => [...b.recipients.values()].every((r) => r.final)),
    );

    const rejected = await h.sms.deliveryReports.list({ status: ['Rejected'], start_date: inMs(-60_000) });
    expect(rejected.data.map((r) => r.recipient)).toEqual(['15550100903', '15550100903']);
    const refA: Sms.RecipientDeliveryReport[] = [];
    for await (const report of h.sms.deliveryReports.list({ client_reference: 'a', page_size: 1 })) {
      refA.push(report);
    }
    expect(refA.map((r) => `${r.recipient} ${r.code}`).sort()).toEqual(['15550100903 402', '15551234567 0']);
    const byCode = await h.sms.deliveryReports.list({ code: [0], end_date: inMs(60_000) });
    expect(byCode.data).toHaveLength(2);
    const none = await h.sms.deliveryReports.list({ end_date: inMs(-60_000) });
    expect(none.data).toEqual([]);
  });

  it.each([
    ['full', 'mt_text', 'delivery_report_sms'],
    ['summary', 'mt_media', 'delivery_report_mms'],
  ] as const)(
    'When a %s %s batch ends, then its %s callback verifies and parses',
    async (mode, type, expected) => {
      const to = ['+15551234567'];
      if (type === 'mt_media') {
        await h.sms.batches.sendMediaMessage({
          sendSMSRequestBody: { to, body: { url: 'https://example.com/a.png' }, delivery_report: mode },
        });
      } else {
        await h.sms.batches.sendTextMessage({ sendSMSRequestBody: { to, body: 'x', delivery_report: mode } });
      }
      await waitFor(() => h.receiver.received.length === 1);
      const [event] = checkedEvents(h.receiver.received) as Sms.DeliveryReport[];
      expect(event).toMatchObject({ type: expected, total_message_count: 1 });
      expect(event?.statuses[0]).toMatchObject({ code: 0, count: 1, status: 'Delivered' });
    },
  );
});

describe('official SDK: inbounds', () => {
  it('When a text, a binary part and an MMS arrive, then their callbacks verify and parse, and the SDK lists and gets them', async () => {
    const text = await postInbound(h, { from: '+15551234567', to: '15550001111', body: 'STOP' });
    const binary = await postInbound(h, {
      type: 'mo_binary',
      from: '+15551234567',
      to: '15550002222',
      body: 'SGVsbG8=',
      udh: '050003CC0201',
    });
    const media = await postInbound(h, {
      type: 'mo_media',
      from: '+15551234567',
      to: '15550001111',
      body: { message: 'look', media: [{ url: 'https://example.com/a.jpg', content_type: 'image/jpeg' }] },
    });
    await waitFor(() => h.receiver.received.length === 3);
    const events = checkedEvents(h.receiver.received) as Sms.InboundMessageResponse[];
    expect(events.map((e) => e.type).sort()).toEqual(['mo_binary', 'mo_media', 'mo_text']);
    const mo = events.find((e): e is Sms.MOBinary => e.type === 'mo_binary');
    expect(mo).toMatchObject({ udh: '050003CC0201', body: 'SGVsbG8=' });
    expect(mo?.received_at).toBeInstanceOf(Date);

    const all = await h.sms.inbounds.list({ start_date: inMs(-60_000) });
    expect(all.data.map((m) => m.id)).toEqual([media.id, binary.id, text.id]);
    const toFirst = await h.sms.inbounds.list({ to: ['15550001111'] });
    expect(toFirst.data.map((m) => m.id)).toEqual([media.id, text.id]);
    const got: Sms.InboundMessageResponse = await h.sms.inbounds.get({ inbound_id: String(binary.id) });
    expect(got).toMatchObject({ type: 'mo_binary', udh: '050003CC0201', from: '+15551234567' });
  });
});
