import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from './emulator.harness';

// Validation and error answers of the endpoints added for issue 12 item 5, over plain HTTP.
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();
const to = ['+15551234567'];

describe('send validation by type', () => {
  it.each([
    ['an unknown type', { to, body: 'x', type: 'mt_fax' }, 'syntax_invalid_parameter_format'],
    ['mt_binary without udh', { to, body: 'SGVsbG8=', type: 'mt_binary' }, 'syntax_constraint_violation'],
    [
      'mt_binary with a body that is no base64',
      { to, body: 'not base64!', udh: '00', type: 'mt_binary' },
      'syntax_invalid_parameter_format',
    ],
    [
      'mt_binary with a udh that is no hex',
      { to, body: 'SGVsbG8=', udh: 'xyz', type: 'mt_binary' },
      'syntax_invalid_parameter_format',
    ],
    ['mt_media with a text body', { to, body: 'x', type: 'mt_media' }, 'syntax_invalid_parameter_format'],
    [
      'mt_media without a url',
      { to, body: { message: 'x' }, type: 'mt_media' },
      'syntax_constraint_violation',
    ],
    ['from_ton -1', { to, body: 'x', from_ton: -1 }, 'syntax_constraint_violation'],
    [
      'a client_reference of 129 characters',
      { to, body: 'x', client_reference: 'r'.repeat(129) },
      'syntax_constraint_violation',
    ],
  ])('When the body has %s, then it answers 400 %s', async (_name, body, code) => {
    const res = await h.api('POST', '/batches', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code, text: expect.any(String) });
  });

  it('When from_ton is 6 and from_npi 18, then the batch is created and echoes them', async () => {
    const res = await h.api('POST', '/batches', { to, body: 'x', from_ton: 6, from_npi: 18 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ from_ton: 6, from_npi: 18, type: 'mt_text' });
  });
});

describe('update, replace and delivery feedback', () => {
  it.each([
    ['PUT', '/batches/01NOSUCH00000000000000000A', { to, body: 'x' }],
    ['POST', '/batches/01NOSUCH00000000000000000A', { body: 'x' }],
    ['POST', '/batches/01NOSUCH00000000000000000A/delivery_feedback', { recipients: [] }],
    ['GET', '/inbounds/01NOSUCH00000000000000000A', undefined],
  ])('When %s %s names nothing known, then it answers 404 not_found', async (method, path, body) => {
    const res = await h.api(method, path, body);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });

  it('When an update names another type or removes every recipient, then it answers 400 and the batch is unchanged', async () => {
    const sent = await h.api('POST', '/batches', { to, body: 'x', send_at: later() });
    const path = `/batches/${sent.body.id}`;
    const otherType = await h.api('POST', path, { type: 'mt_binary', body: 'SGVsbG8=' });
    const nobody = await h.api('POST', path, { to_remove: to });
    expect(otherType).toMatchObject({ status: 400, body: { code: 'syntax_invalid_parameter_format' } });
    expect(nobody).toMatchObject({ status: 400, body: { code: 'syntax_constraint_violation' } });
    expect((await h.api('GET', path)).body).toEqual(sent.body);
  });

  it('When a cancelled batch is updated or replaced, then it answers 403 batch_already_cancelled', async () => {
    const sent = await h.api('POST', '/batches', { to, body: 'x', send_at: later() });
    await h.api('DELETE', `/batches/${sent.body.id}`);
    const update = await h.api('POST', `/batches/${sent.body.id}`, { body: 'y' });
    const replace = await h.api('PUT', `/batches/${sent.body.id}`, { to, body: 'y' });
    expect(update).toMatchObject({ status: 403, body: { code: 'batch_already_cancelled' } });
    expect(replace).toMatchObject({ status: 403, body: { code: 'batch_already_cancelled' } });
  });

  it('When a scheduled batch is replaced by one sent now, then only its new recipients get reports', async () => {
    const sent = await h.api('POST', '/batches', {
      to,
      body: 'x',
      send_at: later(),
      delivery_report: 'per_recipient_final',
    });
    const replaced = await h.api('PUT', `/batches/${sent.body.id}`, {
      to: ['+15557654321'],
      body: 'y',
      delivery_report: 'per_recipient_final',
    });
    expect(replaced.status).toBe(200);
    await waitFor(() => h.receiver.received.length === 1);
    expect(h.receiver.received.map((c) => c.body.recipient)).toEqual(['15557654321']);
  });

  it('When feedback is sent for a batch without feedback_enabled, or names a stranger, then it is refused', async () => {
    const plain = await h.api('POST', '/batches', { to, body: 'x' });
    const enabled = await h.api('POST', '/batches', { to, body: 'x', feedback_enabled: true });
    const notEnabled = await h.api('POST', `/batches/${plain.body.id}/delivery_feedback`, { recipients: [] });
    const stranger = await h.api('POST', `/batches/${enabled.body.id}/delivery_feedback`, {
      recipients: ['+15550000000'],
    });
    const empty = await h.api('POST', `/batches/${enabled.body.id}/delivery_feedback`, { recipients: [] });
    expect(notEnabled).toMatchObject({ status: 403, body: { code: 'feedback_not_enabled' } });
    expect(stranger).toMatchObject({ status: 400, body: { code: 'syntax_invalid_parameter_format' } });
    expect(empty.status).toBe(202);
  });
});

describe('lists', () => {
  it.each([
    ['/delivery_reports?code=abc'],
    ['/delivery_reports?page_size=101'],
    ['/inbounds?start_date=yesterday'],
    ['/batches?page=-1'],
  ])('When %s is asked, then it answers 400 syntax_invalid_parameter_format', async (path) => {
    const res = await h.api('GET', path);
    expect(res).toMatchObject({ status: 400, body: { code: 'syntax_invalid_parameter_format' } });
  });

  it('When an inbound is posted without any URL to post it to, then it is kept for GET /inbounds', async () => {
    const bare = await startHarness({ defaultCallbackUrl: undefined });
    try {
      const res = await fetch(`${bare.baseUrl}/_emulator/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+15551234567', to: '15550001111', body: 'hi' }),
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('x-emulator-posted')).toBe('false');
      const listed = await bare.api('GET', '/inbounds');
      expect(listed.body).toMatchObject({
        count: 1,
        page: 0,
        page_size: 1,
        inbounds: [{ type: 'mo_text', body: 'hi' }],
      });
    } finally {
      await bare.stop();
    }
  });
});
