import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids';
import { listEvents, redeliverEvent } from '../src/events/events-view.repository';
import { fanOut } from '../src/events/fan-out.repository';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { addEndpoint, emitStatus } from './helpers/events';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-03T08:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

describe.each(DB_KINDS)(
  'redelivering an event an endpoint that is behind has still to queue, on %s',
  (kind) => {
    it('When POST /events/:id/redeliver asks again for an event not yet queued for an endpoint that is behind, then that endpoint gets it with a fresh EVENT_RETRY_FOR_SECONDS, not given up unsent', async () => {
      const db = await openTestDatabase(kind);
      await addEndpoint(db, 'ep_behind', { url: 'https://app.example/behind' });
      const message = newId();
      await emitStatus(db, message, 0, T0);
      await emitStatus(db, message, 1, T0);
      await fanOut(db, { now: at(T0), retryForMs: HOUR, window: 1 });
      const [, second] = await db.selectFrom('events').select('id').orderBy('seq').execute();
      const id = second?.id as string;

      // 50 minutes in: GET /events shows it pending there; it is asked for again, with an hour from now.
      const [shown] = (await listEvents(db, { limit: 50, status: 'pending' })).filter((e) => e.id === id);
      expect(shown?.deliveries).toEqual([
        {
          endpointId: 'ep_behind',
          url: 'https://app.example/behind',
          status: 'pending',
          attempts: [],
          nextAttemptAt: null,
        },
      ]);
      // One delivery to come: the endpoint behind gets it in its turn.
      expect(await redeliverEvent(db, id, at(T0 + 50 * MINUTE), at(T0 + 50 * MINUTE + HOUR))).toBe(1);

      // The receiver takes the first event at 70 minutes: the window frees and the second is queued.
      await db
        .updateTable('event_deliveries')
        .set({ status: 'delivered', done_at: at(T0 + 70 * MINUTE) })
        .where('status', '=', 'pending')
        .execute();
      const late = await fanOut(db, { now: at(T0 + 70 * MINUTE), retryForMs: HOUR, window: 1 });

      // Without redelivered_at: given up unsent ("its endpoint was behind"), 20 minutes after it was asked for.
      expect(late.queued).toEqual([
        { endpointId: 'ep_behind', type: 'message.status_changed', expired: false },
      ]);
      const row = await db
        .selectFrom('event_deliveries')
        .select(['status', 'retry_until'])
        .where('event_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', retry_until: at(T0 + 50 * MINUTE + HOUR) });
    });
  },
);
