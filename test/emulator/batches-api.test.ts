import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchSchema } from '../../src/sinch/batches.schemas';
import { batchDeliveryReportSchema, recipientDeliveryReportSchema } from '../../src/sinch/callbacks.schemas';
import { type Harness, idle, startHarness, waitFor } from './emulator.harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('POST /batches', () => {
  it('When the token is missing or wrong, then it answers 401 with a Sinch error body', async () => {
    const body = { to: ['+15551234567'], body: 'hi' };
    const missing = await h.api('POST', '/batches', body, { authorization: '' });
    const wrong = await h.api('POST', '/batches', body, { authorization: 'Bearer nope' });
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(missing.body).toEqual({ code: 'unauthorized', text: expect.any(String) });
    expect(h.emulator.state.batches()).toHaveLength(0);
  });

  it('When a plan id is configured and the path names another one, then it answers 401', async () => {
    const strict = await startHarness({ servicePlanId: 'other-plan' });
    try {
      const res = await strict.api('GET', '/batches');
      expect(res.status).toBe(401);
    } finally {
      await strict.stop();
    }
  });

  it.each([
    ['bad JSON', '{"to": [', 'syntax_invalid_json'],
    ['no recipients', { to: [], body: 'x' }, 'syntax_constraint_violation'],
    [
      '1001 recipients',
      { to: Array.from({ length: 1001 }, (_, i) => `+1555${1000000 + i}`), body: 'x' },
      'syntax_constraint_violation',
    ],
    [
      'a body over 2000 chars',
      { to: ['+15551234567'], body: 'a'.repeat(2001) },
      'syntax_constraint_violation',
    ],
    ['no body', { to: ['+15551234567'] }, 'syntax_constraint_violation'],
    [
      'an unknown delivery_report',
      { to: ['+15551234567'], body: 'x', delivery_report: 'all' },
      'syntax_invalid_parameter_format',
    ],
    [
      'a recipient that is no number',
      { to: ['+15551234567', 'bob'], body: 'x' },
      'syntax_invalid_parameter_format',
    ],
    [
      'a bad send_at',
      { to: ['+15551234567'], body: 'x', send_at: 'tomorrow' },
      'syntax_invalid_parameter_format',
    ],
  ])('When the request has %s, then it answers 400 %s', async (_name, body, code) => {
    const res = await h.api('POST', '/batches', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code, text: expect.any(String) });
  });

  it('When a report is asked for and there is no callback URL anywhere, then it answers 403 missing_callback_url', async () => {
    const bare = await startHarness({ defaultCallbackUrl: undefined });
    try {
      const res = await bare.api('POST', '/batches', {
        to: ['+15551234567'],
        body: 'x',
        delivery_report: 'full',
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('missing_callback_url');
      const none = await bare.api('POST', '/batches', { to: ['+15551234567'], body: 'x' });
      expect(none.status).toBe(201);
    } finally {
      await bare.stop();
    }
  });

  it('When the request is valid, then it answers 201 with a Sinch batch object', async () => {
    const res = await h.api('POST', '/batches', {
      to: ['+15551234567', '0046701234567', '1 (555) 765-4321'],
      from: '+15550001111',
      body: 'Hello',
      client_reference: 'ref-1',
      flash_message: true,
    });
    expect(res.status).toBe(201);
    expect(batchSchema.safeParse(res.body).success).toBe(true);
    expect(res.body).toMatchObject({
      to: ['15551234567', '46701234567', '15557654321'],
      from: '+15550001111',
      body: 'Hello',
      type: 'mt_text',
      canceled: false,
      delivery_report: 'none',
      client_reference: 'ref-1',
      flash_message: true,
    });
    expect(res.body.id).toMatch(ULID);
    expect(res.body.created_at).toMatch(ISO_MS);
    expect(res.body.modified_at).toBe(res.body.created_at);
    const threeDays = Date.parse(res.body.expire_at) - Date.parse(res.body.created_at);
    expect(threeDays).toBe(3 * 24 * 3600 * 1000);
  });
});

describe('GET, list and cancel', () => {
  it('When a batch exists, then GET returns it and an unknown id gives 404 not_found', async () => {
    const created = await h.api('POST', '/batches', { to: ['+15551234567'], body: 'x' });
    expect((await h.api('GET', `/batches/${created.body.id}`)).body).toEqual(created.body);
    const missing = await h.api('GET', '/batches/01AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  it('When listing by client_reference, then only matching batches come back, newest first, paged', async () => {
    const ids: string[] = [];
    for (const ref of ['a', 'b', 'a', 'a']) {
      ids.push(
        (await h.api('POST', '/batches', { to: ['+15551234567'], body: ref, client_reference: ref })).body.id,
      );
    }
    const page0 = await h.api('GET', '/batches?client_reference=a&page=0&page_size=2');
    expect(page0.body).toMatchObject({ page: 0, page_size: 2, count: 3 });
    expect(page0.body.batches.map((b: { id: string }) => b.id)).toEqual([ids[3], ids[2]]);
    const page1 = await h.api('GET', '/batches?client_reference=a&page=1&page_size=2');
    expect(page1.body.batches.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
  });

  it('When a batch is older than a day, then the list leaves it out unless start_date reaches back to it', async () => {
    const id = (
      await h.api('POST', '/batches', { to: ['+15551234567'], body: 'old', client_reference: 'old' })
    ).body.id;
    const stored = h.emulator.state.store.batches.get(id);
    if (!stored) throw new Error('batch not stored');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    stored.batch.created_at = twoDaysAgo.toISOString();

    const lastDay = await h.api('GET', '/batches?client_reference=old');
    const since = new Date(twoDaysAgo.getTime() - 60_000).toISOString();
    const reaching = await h.api(
      'GET',
      `/batches?client_reference=old&start_date=${encodeURIComponent(since)}`,
    );
    const bad = await h.api('GET', '/batches?start_date=yesterday');

    expect(lastDay.body.batches).toEqual([]);
    expect(reaching.body.batches.map((b: { id: string }) => b.id)).toEqual([id]);
    expect(bad.status).toBe(400);
  });

  it('When a batch is cancelled before its reports, then it is canceled and its recipients Cancelled (407)', async () => {
    const slow = await startHarness({ callbackDelayMs: 300 });
    try {
      const created = await slow.api('POST', '/batches', {
        to: ['+15551234567'],
        body: 'x',
        delivery_report: 'per_recipient_final',
      });
      const cancelled = await slow.api('DELETE', `/batches/${created.body.id}`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.canceled).toBe(true);
      const [callback] = await waitFor(() => slow.receiver.received.length > 0 && slow.receiver.received);
      expect(callback?.body).toMatchObject({ status: 'Cancelled', code: 407, recipient: '15551234567' });
      // Idle: the recipient's remaining steps have come and gone without a report.
      await idle(slow);
      expect(slow.receiver.received).toHaveLength(1);
      const report = await slow.api('GET', `/batches/${created.body.id}/delivery_report/15551234567`);
      expect(report.body).toMatchObject({ status: 'Cancelled', code: 407 });
    } finally {
      await slow.stop();
    }
  });
});

describe('GET delivery reports', () => {
  it('When the batch is final, then summary, full and per-recipient reports have the documented shapes', async () => {
    const created = await h.api('POST', '/batches', {
      to: ['+15551234567', '+15550100901', '+15557654321'],
      body: 'x',
      client_reference: 'ref-dr',
    });
    const id = created.body.id;
    await waitFor(
      () =>
        h.emulator.state.batches()[0]?.recipients.size === 3 &&
        [...(h.emulator.state.batches()[0]?.recipients.values() ?? [])].every((r) => r.final),
    );

    const summary = await h.api('GET', `/batches/${id}/delivery_report`);
    expect(batchDeliveryReportSchema.safeParse(summary.body).success).toBe(true);
    expect(summary.body).toEqual({
      type: 'delivery_report_sms',
      batch_id: id,
      total_message_count: 3,
      client_reference: 'ref-dr',
      statuses: expect.arrayContaining([
        { code: 0, status: 'Delivered', count: 2 },
        { code: 153, status: 'Failed', count: 1 },
      ]),
    });
    const full = await h.api('GET', `/batches/${id}/delivery_report?type=full&status=Delivered`);
    expect(full.body.statuses).toEqual([
      { code: 0, status: 'Delivered', count: 2, recipients: ['15551234567', '15557654321'] },
    ]);

    const recipient = await h.api('GET', `/batches/${id}/delivery_report/+15550100901`);
    expect(recipientDeliveryReportSchema.safeParse(recipient.body).success).toBe(true);
    expect(recipient.body).toMatchObject({
      type: 'recipient_delivery_report_sms',
      batch_id: id,
      recipient: '15550100901',
      status: 'Failed',
      code: 153,
      client_reference: 'ref-dr',
    });
    expect(recipient.body.operator_status_at).toMatch(ISO_MS);
    expect((await h.api('GET', `/batches/${id}/delivery_report/15559999999`)).status).toBe(404);
  });

  it('When a batch was just created, then its recipients are Queued (400)', async () => {
    const slow = await startHarness({ callbackDelayMs: 500 });
    try {
      const { body } = await slow.api('POST', '/batches', { to: ['+15551234567'], body: 'x' });
      const report = await slow.api('GET', `/batches/${body.id}/delivery_report/15551234567`);
      expect(report.body).toMatchObject({ status: 'Queued', code: 400 });
    } finally {
      await slow.stop();
    }
  });
});

describe('POST /batches/dry_run', () => {
  it('When asked per recipient, then it counts GSM and UCS-2 parts for each recipient', async () => {
    const gsm = await h.api('POST', '/batches/dry_run?per_recipient=true&number_of_recipients=1', {
      to: ['+15551234567', '+15557654321'],
      body: `${'a'.repeat(159)}€`,
    });
    expect(gsm.status).toBe(200);
    expect(gsm.body).toEqual({
      number_of_recipients: 2,
      number_of_messages: 4,
      per_recipient: [
        { recipient: '15551234567', number_of_parts: 2, body: `${'a'.repeat(159)}€`, encoding: 'GSM' },
      ],
    });
    const ucs = await h.api('POST', '/batches/dry_run', { to: ['+15551234567'], body: 'á'.repeat(70) });
    expect(ucs.body).toEqual({ number_of_recipients: 1, number_of_messages: 1 });
    expect(h.emulator.state.batches()).toHaveLength(0);
  });
});
