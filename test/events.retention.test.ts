import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Db } from '../src/db/database';
import { startDispatcher } from '../src/events/dispatcher';
import { purgeEvents } from '../src/events/events-retention';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { testConfig } from './helpers/app';
import { DB_KINDS, openTestDatabase } from './helpers/databases';

const DAY = 86_400_000;

/** An event made at `ms` (its id says when, as newId's do), with one delivery in `status` and an attempt. */
async function seedEvent(
  db: Db,
  name: string,
  ms: number,
  status: 'delivered' | 'failed' | 'pending' | null,
) {
  const id = `evt_${ms.toString(16).padStart(12, '0')}7000${name.padEnd(16, '0')}`;
  const at = new Date(ms).toISOString();
  await db
    .insertInto('events')
    .values({ id, type: 'message.sent', message_id: name, payload: '{}', created_at: at, fanned_out: 1 })
    .execute();
  if (status === null) return id;
  await db
    .insertInto('event_deliveries')
    .values({
      id: `d-${name}`,
      event_id: id,
      event_seq: 1,
      endpoint_id: 'message',
      order_key: name,
      url: 'https://app.example/hooks',
      status,
      attempts: 1,
      // A pending one is not due for long: the dispatcher leaves it alone.
      next_attempt_at: new Date(Date.now() + DAY).toISOString(),
      retry_until: new Date(Date.now() + 2 * DAY).toISOString(),
      created_at: at,
    })
    .execute();
  await db
    .insertInto('event_attempts')
    .values({
      id: `a-${name}`,
      delivery_id: `d-${name}`,
      event_id: id,
      endpoint_id: 'message',
      attempted_at: at,
      status_code: 200,
      error: null,
      duration_ms: 3,
    })
    .execute();
  return id;
}

async function open(kind: (typeof DB_KINDS)[number]): Promise<Db> {
  const db = await openTestDatabase(kind);
  return db;
}

const ids = async (db: Db, table: 'events' | 'event_deliveries' | 'event_attempts') =>
  (await db.selectFrom(table).select('id').execute()).map((r) => r.id).sort();

describe.each(DB_KINDS)('events kept for EVENT_RETENTION_DAYS, on %s', (kind) => {
  it('When a purge runs, then finished events older than the retention go with their deliveries and attempts, and pending or recent ones stay', async () => {
    const db = await open(kind);
    const now = Date.now();
    const old = now - 31 * DAY;
    await seedEvent(db, 'delivered', old, 'delivered');
    await seedEvent(db, 'failed', old + 1, 'failed');
    await seedEvent(db, 'unrouted', old + 2, null);
    const pending = await seedEvent(db, 'pending', old + 3, 'pending');
    const recent = await seedEvent(db, 'recent', now - 29 * DAY, 'delivered');

    // Two to a batch: the purge goes on until nothing old and finished is left.
    expect(await purgeEvents(db, 30 * DAY, now, 2)).toBe(3);

    expect(await ids(db, 'events')).toEqual([pending, recent].sort());
    expect(await ids(db, 'event_deliveries')).toEqual(['d-pending', 'd-recent']);
    expect(await ids(db, 'event_attempts')).toEqual(['a-pending', 'a-recent']);
    expect(await purgeEvents(db, 0, now)).toBe(0);
  });

  it('When the dispatcher starts with a retention set, then it purges what is past it', async () => {
    const db = await open(kind);
    await seedEvent(db, 'delivered', Date.now() - 3 * DAY, 'delivered');
    const kept = await seedEvent(db, 'recent', Date.now() - DAY / 2, 'delivered');
    const settings = { ...testConfig().events, retentionMs: 2 * DAY };
    const dispatcher = startDispatcher({
      db,
      settings,
      log: createLogger('silent'),
      metrics: createMetrics({ processMetrics: false }),
    });
    onTestFinished(() => dispatcher.stop());

    await vi.waitUntil(async () => (await ids(db, 'events')).length === 1, { timeout: 5_000, interval: 10 });
    expect(await ids(db, 'events')).toEqual([kept]);
    expect(await ids(db, 'event_attempts')).toEqual(['a-recent']);
  });
});
