import type { Sms } from '@sinch/sdk-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../emulator/emulator.harness';
import { inMs, type SdkHarness, sdkError, startSdkHarness } from './sdk.harness';

// The official Node SDK (@sinch/sms) as the client of the emulator: every batches operation, with the
// answers typed by the SDK's own models (this file is type-checked by `npm run typecheck`).
let h: SdkHarness;
beforeEach(async () => {
  h = await startSdkHarness();
});
afterEach(async () => {
  await h.stop();
});

const later = () => inMs(3_600_000);

describe('official SDK: batches', () => {
  it('When it sends mt_text, mt_binary and mt_media batches, then each comes back typed as its kind and gets', async () => {
    const text: Sms.TextResponse = await h.sms.batches.sendTextMessage({
      sendSMSRequestBody: {
        to: ['+15551234567'],
        from: '+15550001111',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Sinch's parameter syntax, not a template
        body: 'Hi ${name}',
        parameters: { name: { default: 'you' } },
        from_ton: 6,
        from_npi: 18,
        flash_message: true,
        client_reference: 'sdk-text',
      },
    });
    const binary: Sms.BinaryResponse = await h.sms.batches.sendBinaryMessage({
      sendSMSRequestBody: { to: ['+15551234568'], body: 'SGVsbG8=', udh: '06050415811581' },
    });
    const media: Sms.MediaResponse = await h.sms.batches.sendMediaMessage({
      sendSMSRequestBody: {
        to: ['+15551234569'],
        body: { url: 'https://example.com/cat.jpg', message: 'a cat' },
        strict_validation: true,
      },
    });

    expect(text).toMatchObject({ type: 'mt_text', to: ['15551234567'], from_ton: 6, from_npi: 18 });
    expect(text.created_at).toBeInstanceOf(Date);
    expect(binary).toMatchObject({ type: 'mt_binary', body: 'SGVsbG8=', udh: '06050415811581' });
    expect(media).toMatchObject({ type: 'mt_media', body: { url: 'https://example.com/cat.jpg' } });
    const got: Sms.SendSMSResponse = await h.sms.batches.get({ batch_id: String(binary.id) });
    expect(got).toEqual(binary);
  });

  it('When it lists with every filter, then only matching batches come, page by page', async () => {
    const send = (from: string, ref: string) =>
      h.sms.batches.send({
        sendSMSRequestBody: { to: ['+15551234567'], from, body: 'x', client_reference: ref },
      });
    for (const from of ['+15550001111', '+15550001111', '+15550001111', '+15550002222'])
      await send(from, 'list');
    await send('+15550001111', 'other');

    const page0 = await h.sms.batches.list({
      from: '15550001111',
      client_reference: 'list',
      start_date: inMs(-60_000),
      end_date: inMs(60_000),
      page: 0,
      page_size: 2,
    });
    expect(page0.data).toHaveLength(2);
    expect(page0.hasNextPage).toBe(true);
    const all: Sms.SendSMSResponse[] = [];
    for await (const batch of h.sms.batches.list({
      from: '+15550001111',
      client_reference: 'list',
      page_size: 2,
    })) {
      all.push(batch);
    }
    expect(all).toHaveLength(3);
    expect(all.every((b) => b.from === '+15550001111' && b.client_reference === 'list')).toBe(true);
    const none = await h.sms.batches.list({ end_date: inMs(-60_000) });
    expect(none.data).toEqual([]);
  });

  it('When it dry-runs a parameterised text, then it gets parts and encoding per recipient', async () => {
    const dry: Sms.DryRunResponse = await h.sms.batches.dryRun({
      per_recipient: true,
      number_of_recipients: 10,
      dryRunRequestBody: {
        to: ['+15551234567', '+15557654321'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Sinch's parameter syntax, not a template
        body: 'Hej ${name}',
        parameters: { name: { '15551234567': 'Åsa', default: 'Σίσυφε' } },
      },
    });
    expect(dry).toEqual({
      number_of_recipients: 2,
      number_of_messages: 2,
      per_recipient: [
        { recipient: '15551234567', body: 'Hej Åsa', number_of_parts: 1, encoding: 'GSM' },
        { recipient: '15557654321', body: 'Hej Σίσυφε', number_of_parts: 1, encoding: 'UNICODE' },
      ],
    });
  });

  it('When it replaces, updates, then cancels a scheduled batch, then each answer is the batch as it now is', async () => {
    const sent = await h.sms.batches.sendTextMessage({
      sendSMSRequestBody: { to: ['+15551234567'], body: 'first', send_at: later() },
    });
    const id = String(sent.id);
    const replaced: Sms.ReplaceBatchMessageResponse = await h.sms.batches.replace({
      batch_id: id,
      replaceBatchMessageRequestBody: { to: ['+15557654321'], body: 'second', send_at: later() },
    });
    expect(replaced).toMatchObject({ id, to: ['15557654321'], body: 'second', canceled: false });
    const updated: Sms.SendSMSResponse = await h.sms.batches.update({
      batch_id: id,
      updateBatchMessageRequestBody: { to_add: ['+15550000001'], to_remove: ['+15557654321'], body: 'third' },
    });
    expect(updated).toMatchObject({ id, to: ['15550000001'], body: 'third' });
    const cancelled: Sms.CancelBatchMessageResponse = await h.sms.batches.cancel({ batch_id: id });
    expect(cancelled).toMatchObject({ id, canceled: true });
    const report: Sms.DeliveryReport = await h.sms.deliveryReports.get({ batch_id: id, type: 'full' });
    expect(report.statuses).toEqual([]);
  });

  it('When it updates a batch already sent, then the SDK gets 403 batch_already_dispatched', async () => {
    const sent = await h.sms.batches.sendTextMessage({
      sendSMSRequestBody: { to: ['+15551234567'], body: 'x' },
    });
    await waitFor(() => h.emulator.state.batches()[0]?.recipients.get('15551234567')?.status !== 'Queued');
    const error = await sdkError(
      h.sms.batches.update({ batch_id: String(sent.id), updateBatchMessageRequestBody: { body: 'y' } }),
    );
    expect(error).toEqual({
      status: 403,
      body: { code: 'batch_already_dispatched', text: expect.any(String) },
    });
  });

  it('When it sends delivery feedback for a batch with feedback enabled, then it is accepted and recorded', async () => {
    const sent = await h.sms.batches.sendTextMessage({
      sendSMSRequestBody: { to: ['+15551234567'], body: 'x', feedback_enabled: true },
    });
    await h.sms.batches.sendDeliveryFeedback({
      batch_id: String(sent.id),
      deliveryFeedbackRequestBody: { recipients: ['+15551234567'] },
    });
    expect(h.emulator.state.batches()[0]?.feedback).toEqual([
      { at: expect.any(String), recipients: ['15551234567'] },
    ]);
  });

  it.each([
    ['from_ton 7', { from_ton: 7 }, 'syntax_constraint_violation'],
    ['from_npi 19', { from_npi: 19 }, 'syntax_constraint_violation'],
    ['a recipient that is no number', { to: ['bob'] }, 'syntax_invalid_parameter_format'],
  ])('When it sends %s, then the SDK gets 400 %s', async (_name, fields, code) => {
    const error = await sdkError(
      h.sms.batches.sendTextMessage({ sendSMSRequestBody: { to: ['+15551234567'], body: 'x', ...fields } }),
    );
    expect(error).toEqual({ status: 400, body: { code, text: expect.any(String) } });
  });

  it('When it gets an unknown batch, then the SDK gets 404 not_found', async () => {
    const error = await sdkError(h.sms.batches.get({ batch_id: '01NOSUCHBATCH0000000000000' }));
    expect(error).toEqual({ status: 404, body: { code: 'not_found', text: expect.any(String) } });
  });
});
