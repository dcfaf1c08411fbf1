import { describe, expect, it } from 'vitest';
import { outboxBacklog } from '../src/events/deliveries.repository';
import { redeliverEvent } from '../src/events/events-view.repository';
import { DB_KINDS, openTestDatabase } from './helpers/databases';

const DAY = 86_400_000;

describe.each(DB_KINDS)('redelivering an old event, on %s', (kind) => {
  it('When an event delivered 20 days ago is sent again, then the outbox counts it pending and its oldest age starts now', async () => {
    const db = await openTestDatabase(kind);
    const then = new Date(Date.now() - 20 * DAY).toISOString();
    const { seq } = await db
      .insertInto('events')
      .values({
        id: 'evt_old',
        type: 'message.sent',
        message_id: null,
        dedupe_key: null,
        payload: '{}',
        created_at: then,
        fanned_out: 1,
      })
      .returning('seq')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('event_deliveries')
      .values({
        id: 'dlv_old',
        event_id: 'evt_old',
        event_seq: Number(seq),
        endpoint_id: 'ep_test',
        order_key: '',
        url: 'https://app.example.test/hooks',
        status: 'delivered',
        attempts: 1,
        next_attempt_at: then,
        retry_until: then,
        created_at: then,
        done_at: then,
      })
      .execute();
    expect(await outboxBacklog(db)).toEqual({ depth: 0, oldest: null });

    const now = new Date().toISOString();
    expect(await redeliverEvent(db, 'evt_old', now, new Date(Date.now() + DAY).toISOString())).toBe(1);

    expect(await outboxBacklog(db)).toEqual({ depth: 1, oldest: now });
  });
});
