import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database';
import { up as markCompletedMessages } from '../src/db/migrations/0019-message-completed';
import { purgeEvents } from '../src/events/events-retention';
import { fanOut } from '../src/events/fan-out.repository';
import { makeTestApp, sendThroughFakeSinch } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { moText, postCallback, recipientReport } from './helpers/opt-outs';

const DAY = 86_400_000;
const NUMBER = '15551234567';

/** The outbox, oldest first: type and, for a status change, the status. */
async function outbox(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('events').select(['type', 'payload']).orderBy('seq').execute();
  return rows.map((r) => {
    const status = (JSON.parse(r.payload) as { data: { status?: string } }).data.status;
    return status ? `${r.type} ${status}` : r.type;
  });
}

/**
 * The dispatcher's part (queued for no endpoint: none is registered), then what a purge 31 days from
 * now takes with the default retention: everything so far.
 */
async function purgeAll(db: Db): Promise<void> {
  const now = new Date().toISOString();
  await fanOut(db, { now, retryForMs: DAY });
  expect(await purgeEvents(db, 30 * DAY, Date.now() + 31 * DAY)).toBeGreaterThan(0);
  expect(await db.selectFrom('events').select('id').execute()).toEqual([]);
}

describe.each(DB_KINDS)('late duplicates after the events were purged, on %s', (kind) => {
  it('When a completed message gets a later final report after its events were purged, then the status change is written but no second message.completed', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const { batchId } = await sendThroughFakeSinch(app, { batchId: 'BATCH-LATE-FINAL' });
    const deliveredAt = new Date(Date.now() - 60_000).toISOString();
    await postCallback(app, recipientReport(batchId, NUMBER, 'Delivered', 0, deliveredAt));
    expect(await outbox(db)).toEqual([
      'message.sent',
      'message.status_changed Delivered',
      'message.completed',
    ]);
    await purgeAll(db);

    // Sinch stamps a different final status later: the forward-only rule applies it.
    await postCallback(app, recipientReport(batchId, NUMBER, 'Failed', 153, new Date().toISOString()));

    expect(await outbox(db)).toEqual(['message.status_changed Failed']);
  });

  it('When Sinch posts the same inbound again after its event was purged, then no second inbound.received is written', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const inbound = moText(`+${NUMBER}`, 'Thanks!', { id: '01INBOUNDREPLAYEDAFTERPURGE' });
    await postCallback(app, inbound);
    expect(await outbox(db)).toEqual(['inbound.received']);
    await purgeAll(db);

    await postCallback(app, inbound);

    expect(await outbox(db)).toEqual([]);
    expect(await db.selectFrom('inbound_messages').select('id').execute()).toHaveLength(1);
  });

  it('When migration 0019 runs over messages stored before it, then those already complete are marked so and open ones are not', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const done = await sendThroughFakeSinch(app, { batchId: 'BATCH-DONE-BEFORE' });
    await postCallback(app, recipientReport(done.batchId, NUMBER, 'Delivered', 0));
    const open = await sendThroughFakeSinch(app, { to: '+15551234568', batchId: 'BATCH-OPEN-BEFORE' });
    await postCallback(app, recipientReport(open.batchId, '15551234568', 'Dispatched', 401));
    // The schema as it was before 0019, with these messages in it.
    await sql`alter table messages drop column completed_at`.execute(db);

    await markCompletedMessages(db);

    const rows = await db.selectFrom('messages').select(['id', 'completed_at']).execute();
    const completedAt = new Map(rows.map((r) => [r.id, r.completed_at]));
    expect(completedAt.get(done.messageId)).toEqual(expect.any(String));
    expect(completedAt.get(open.messageId)).toBeNull();
  });
});
