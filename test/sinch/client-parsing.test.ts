import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createSinchClient } from '../../src/sinch/sinch.client';

// Responses shaped as the contract allows (sinch-sms-api.md §2, §9): paging fields optional, batches of
// every type, fields we do not model. The client must read them all.
const BASE = 'https://sinch-parsing.test';
const PLAN = 'parsing-plan';
const client = () =>
  createSinchClient({
    baseUrl: BASE,
    servicePlanId: PLAN,
    apiToken: 'parsing-token',
    timeoutMs: 2000,
    maxAttempts: 1,
    retryBaseMs: 1,
    retryMaxMs: 1,
  });
const batches = `/xms/v1/${PLAN}/batches`;

const media = {
  id: '01KMEDIA00000000000000000A',
  to: ['15551234567'],
  type: 'mt_media',
  body: { url: 'https://example.com/cat.jpg', message: 'a cat' },
  client_reference: 'ref-media',
  strict_validation: true,
};
const binary = {
  id: '01KBINARY0000000000000000B',
  to: ['15551234567'],
  type: 'mt_binary',
  body: 'SGVsbG8=',
  udh: '06050415811581',
  client_reference: 'ref-binary',
  from_ton: 1,
};

describe('Sinch client response parsing', () => {
  it('When the batch list has no page, page_size or count, then the lookup still finds the batch', async () => {
    nock(BASE)
      .get(batches)
      .query(true)
      .reply(200, { batches: [{ id: '01KTEXT000000000000000000C', to: ['1555'], client_reference: 'r1' }] });
    expect(await client().findBatchByClientReference('r1')).toMatchObject({
      id: '01KTEXT000000000000000000C',
    });
  });

  it('When the batch list has no batches field at all, then the lookup finds nothing instead of failing', async () => {
    nock(BASE).get(batches).query(true).reply(200, { page: 0, page_size: 1, count: 0 });
    expect(await client().findBatchByClientReference('r1')).toBeUndefined();
  });

  it.each([
    ['mt_media', media],
    ['mt_binary', binary],
  ])(
    'When the list holds an %s batch, then it parses with its body and unknown fields kept',
    async (_type, batch) => {
      nock(BASE)
        .get(batches)
        .query(true)
        .reply(200, { page: 0, page_size: 1, count: 1, batches: [batch] });
      expect(await client().findBatchByClientReference(batch.client_reference)).toEqual(batch);
    },
  );

  it('When a cancel answers a media batch with null optional fields, then it parses and keeps the rest', async () => {
    nock(BASE)
      .delete(`${batches}/${media.id}`)
      .reply(200, { ...media, canceled: true, from: null, send_at: null, callback_url: null });
    const cancelled = await client().cancelBatch(media.id);
    expect(cancelled).toMatchObject({
      id: media.id,
      canceled: true,
      body: media.body,
      strict_validation: true,
    });
    expect(cancelled.from).toBeUndefined();
  });
});
