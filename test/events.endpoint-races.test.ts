import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { deleteEndpoint, resumeEndpoint } from '../src/events/endpoints.repository';
import { redeliverEvent } from '../src/events/events-view.repository';
import { fanOut } from '../src/events/fan-out.repository';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { addEndpoint, emitStatus } from './helpers/events';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-03T08:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

/** Until `n` statements of this database wait for a lock, or `unless()` holds. */
async function waitingOnLocks(db: Db, n: number, unless: () => boolean = () => false): Promise<void> {
  await vi.waitFor(
    async () => {
      if (unless()) return;
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from pg_stat_activity
        where wait_event_type = 'Lock' and datname = current_database()`.execute(db);
      if (Number(rows[0]?.n) < n) throw new Error(`fewer than ${n} statements wait for a lock`);
    },
    { timeout: 5_000, interval: 25 },
  );
}

/**
 * Runs `first` (a fan-out) and `second` (a change beside it) so that the fan-out has read what it
 * reads and is about to write when the change runs: a third session holds `table` in SHARE mode
 * (reads go on, writes wait) until the change waits too (on it, or on the fan-out) or has ended
 * without waiting, then lets go. What `second` returned.
 */
async function interleave<T>(
  db: Db,
  table: 'event_deliveries' | 'event_endpoints',
  first: () => Promise<unknown>,
  second: () => Promise<T>,
): Promise<T> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const blocker = db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table(table)} in share mode`.execute(trx);
    locked();
    await released;
  });
  await isLocked;
  const a = first();
  await waitingOnLocks(db, 1);
  let ended = false;
  const b = second().finally(() => {
    ended = true;
  });
  await waitingOnLocks(db, 2, () => ended);
  release();
  const [, , result] = await Promise.all([blocker, a, b]);
  return result;
}

describe.each(DB_KINDS.filter((k) => k === 'postgres'))(
  'an endpoint or an event changed while a fan-out runs, on %s',
  (kind) => {
    it('When an endpoint that is behind is deleted while a fan-out catches it up, then nothing is left pending for it (pending rows of a gone endpoint are never sent, never purged, and count in the backlog for ever)', async () => {
      const db = await openTestDatabase(kind);
      await addEndpoint(db, 'ep_gone');
      const message = newId();
      for (let code = 0; code < 3; code++) await emitStatus(db, message, code, T0);
      await fanOut(db, { now: at(T0), retryForMs: HOUR, window: 1 });
      await db
        .updateTable('event_deliveries')
        .set({ status: 'delivered', done_at: at(T0) })
        .execute();

      await interleave(
        db,
        'event_deliveries',
        () => fanOut(db, { now: at(T0 + MINUTE), retryForMs: HOUR, window: 2 }),
        () => deleteEndpoint(db, 'ep_gone', at(T0 + MINUTE)),
      );

      expect(await db.selectFrom('event_endpoints').select('id').execute()).toEqual([]);
      const left = await db
        .selectFrom('event_deliveries')
        .select('event_seq')
        .where('endpoint_id', '=', 'ep_gone')
        .where('status', '=', 'pending')
        .execute();
      expect(left).toEqual([]);
    });

    it('When an endpoint that is behind is resumed while a fan-out catches it up, then what that fan-out queued for it has the fresh retry time too', async () => {
      const db = await openTestDatabase(kind);
      await addEndpoint(db, 'ep_resumed');
      const message = newId();
      for (let code = 0; code < 2; code++) await emitStatus(db, message, code, T0);
      await fanOut(db, { now: at(T0), retryForMs: HOUR, window: 1 });
      await db
        .updateTable('event_deliveries')
        .set({ status: 'delivered', done_at: at(T0) })
        .execute();
      await db
        .updateTable('event_endpoints')
        .set({ paused_at: at(T0) })
        .execute();

      const resumedAt = T0 + 50 * MINUTE;
      await interleave(
        db,
        'event_deliveries',
        () => fanOut(db, { now: at(resumedAt), retryForMs: HOUR, window: 1 }),
        () => resumeEndpoint(db, 'ep_resumed', at(resumedAt), at(resumedAt + HOUR)),
      );

      const rows = await db
        .selectFrom('event_deliveries')
        .select(['status', 'retry_until'])
        .where('status', '=', 'pending')
        .execute();
      // Without the lock: retry_until T0 + 1 h (from the event), ten minutes after the resume.
      expect(rows).toEqual([{ status: 'pending', retry_until: at(resumedAt + HOUR) }]);
    });

    it('When an event an endpoint that is behind has still to queue is redelivered while a fan-out catches that endpoint up, then the delivery it queues has the fresh retry time, not given up unsent', async () => {
      const db = await openTestDatabase(kind);
      await addEndpoint(db, 'ep_behind');
      const message = newId();
      await emitStatus(db, message, 0, T0);
      await emitStatus(db, message, 1, T0);
      // Window 1: the first is queued, the endpoint is behind from the second.
      await fanOut(db, { now: at(T0), retryForMs: HOUR, window: 1 });
      await db
        .updateTable('event_deliveries')
        .set({ status: 'delivered', done_at: at(T0) })
        .execute();
      const [, second] = await db.selectFrom('events').select('id').orderBy('seq').execute();
      const id = second?.id as string;
      const now = T0 + 70 * MINUTE;

      // A third session holds event_endpoints: the fan-out reads, queues its row, and waits at its last
      // write (the behind mark) with its row written but not committed. The redeliver either ends then
      // (no fan-out lock: it cannot see the fan-out's row) or waits for the fan-out (the lock).
      const deliveries = await interleave(
        db,
        'event_endpoints',
        () => fanOut(db, { now: at(now), retryForMs: HOUR, window: 1 }),
        () => redeliverEvent(db, id, at(now), at(now + HOUR)),
      );

      expect(deliveries).toBe(1);
      const row = await db
        .selectFrom('event_deliveries')
        .select(['status', 'retry_until'])
        .where('event_id', '=', id)
        .executeTakeFirstOrThrow();
      // Without the lock: { status: 'failed', retry_until: T0 + 1 h }, "its endpoint was behind", though
      // the redeliver answered 202 with one delivery to come.
      expect(row).toEqual({ status: 'pending', retry_until: at(now + HOUR) });
    });
  },
);
