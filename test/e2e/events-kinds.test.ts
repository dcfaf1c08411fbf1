import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../src/events/events.schemas';
import { startEventReceiver, withEvents } from '../helpers/event-receiver';
import { type Pair, startPair } from './harness';

/** The handset texts our number: the emulator posts the mo_text to the service, as Sinch would. */
async function reply(pair: Pair, from: string, body: string): Promise<void> {
  const res = await fetch(`${pair.config.sinch.baseUrl}/_emulator/inbound`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from, to: '15550001111', body, url: `${pair.config.publicBaseUrl}/webhooks/dlr` }),
  });
  expect(res.status).toBe(202);
}

/** Every event a receiver got passes the published schema and standardwebhooks' own check. */
function expectWellFormed(events: Array<{ body: unknown; verified: boolean }>) {
  for (const event of events) {
    expect(eventSchema.safeParse(event.body).success, JSON.stringify(event.body)).toBe(true);
    expect(event.verified).toBe(true);
  }
}

describe('every kind of event, end to end through the emulator', () => {
  it('When Sinch answers 503 to the send, then the receiver gets message.send_failed SendFailed with the error', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });

    const sent = await pair.call('POST', '/send-sms', {
      to: '+15550100923',
      message: 'Fault',
      clientReference: 'order-503',
    });
    expect(sent.status).toBe(502);
    const [failed] = await receiver.waitFor((a) => a.length >= 1);

    expect(failed?.type).toBe('message.send_failed');
    expect(failed?.body.data).toMatchObject({
      batchId: null,
      clientReference: 'order-503',
      status: 'SendFailed',
      error: { code: expect.any(String), text: expect.any(String) },
    });
    const [row] = await pair.service.db.selectFrom('messages').select('id').execute();
    expect(failed?.body.data.messageId).toBe(row?.id);
    expectWellFormed(receiver.received);
  });

  it('When a handset texts our number, then the receiver gets inbound.received with the sender and the text', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });

    await reply(pair, '15551234567', 'Thanks!');
    const [inbound] = await receiver.waitFor((a) => a.length >= 1);

    expect(inbound?.type).toBe('inbound.received');
    expect(inbound?.body.data).toMatchObject({
      type: 'mo_text',
      from: '15551234567',
      to: '15550001111',
      body: 'Thanks!',
      messageId: null,
    });
    expectWellFormed(receiver.received);
  });

  it('When a handset replies STOP then START, then the receiver gets opt_out.changed opt_out then opt_in, after each inbound', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });

    await reply(pair, '+15551234567', 'STOP');
    await receiver.waitFor((a) => a.length >= 2);
    await reply(pair, '+15551234567', 'START');
    const got = await receiver.waitFor((a) => a.length >= 4);

    const optOuts = got.filter((e) => e.type === 'opt_out.changed');
    expect(optOuts.map((e) => e.body.data)).toMatchObject([
      { msisdn: '+15551234567', action: 'opt_out', source: 'keyword', reason: 'STOP' },
      { msisdn: '+15551234567', action: 'opt_in', source: 'keyword' },
    ]);
    const inbound = got.filter((e) => e.type === 'inbound.received');
    expect(inbound.map((e) => e.body.data.body)).toEqual(['STOP', 'START']);
    // Each opt-out change names the inbound that caused it, and arrives after it.
    expect(got.map((e) => e.type)).toEqual([
      'inbound.received',
      'opt_out.changed',
      'inbound.received',
      'opt_out.changed',
    ]);
    expect(optOuts.map((e) => e.body.data.reference)).toEqual(inbound.map((e) => e.body.data.inboundId));
    expectWellFormed(receiver.received);
  });

  it('When a scheduled message is cancelled by DELETE /messages/:id, then the receiver gets status_changed Cancelled 407, then completed', async () => {
    const receiver = await startEventReceiver();
    const pair = await startPair({ config: withEvents([receiver.url]) });
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const sent = await pair.call('POST', '/send-sms', { to: '+15551234567', message: 'Later', sendAt });
    expect(sent.status).toBe(202);

    const cancelled = await pair.call('DELETE', `/messages/${sent.body.messageId}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const got = await receiver.waitFor((a) => a.length >= 3);

    expect(got.map((e) => e.type)).toEqual(['message.sent', 'message.status_changed', 'message.completed']);
    expect(got[1]?.body.data).toMatchObject({
      messageId: sent.body.messageId,
      batchId: sent.body.batchId,
      recipient: '+15551234567',
      status: 'Cancelled',
      code: 407,
      final: true,
    });
    expectWellFormed(receiver.received);
  });
});
