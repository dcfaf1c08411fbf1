import type { Db } from '../db/database';
import type { Logger } from '../logger';

/**
 * Events, their deliveries and attempts are kept for EVENT_RETENTION_DAYS once nothing is pending for
 * them (delivered, given up, or never queued for any endpoint), then deleted: GET /events shows them
 * until then. An event still pending somewhere, or still to be queued for an endpoint that is behind
 * (fan-out.repository.ts), is kept whatever its age.
 */

/** The smallest event id of a millisecond: ids are `evt_` and a UUIDv7 without dashes (core/ids.ts). */
const firstEventIdAt = (ms: number) => `evt_${Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')}`;

/** Deletes finished events made before `nowMs − retentionMs`, oldest first, `batch` per transaction. */
export async function purgeEvents(db: Db, retentionMs: number, nowMs: number, batch = 500): Promise<number> {
  if (retentionMs <= 0) return 0;
  const before = firstEventIdAt(nowMs - retentionMs);
  let purged = 0;
  // What an endpoint that is behind has still to queue is kept (fan-out.repository.ts); read once: the
  // mark only moves on, so a purge that reads it early keeps more, never less.
  const behind = await db
    .selectFrom('event_endpoints')
    .select((eb) => eb.fn.min('behind_from_seq').as('seq'))
    .executeTakeFirst();
  for (;;) {
    // A range of the events' id index, oldest first.
    let query = db
      .selectFrom('events as e')
      .select('e.id')
      .where('e.id', '<', before)
      .where('e.fanned_out', '=', 1)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('event_deliveries as d')
              .select('d.id')
              .whereRef('d.event_id', '=', 'e.id')
              .where('d.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('e.id')
      .limit(batch);
    if (behind?.seq !== null && behind?.seq !== undefined) query = query.where('e.seq', '<', behind.seq);
    const rows = await query.execute();
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) break;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('event_attempts').where('event_id', 'in', ids).execute();
      await trx.deleteFrom('event_deliveries').where('event_id', 'in', ids).execute();
      await trx.deleteFrom('events').where('id', 'in', ids).execute();
    });
    purged += ids.length;
    if (ids.length < batch) break;
  }
  return purged;
}

/** A purge at start and every `everyMs`; `stop()` waits for one running. */
export function startEventPurge(deps: { db: Db; retentionMs: number; everyMs: number; log: Logger }): {
  stop(): Promise<void>;
} {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = purgeEvents(deps.db, deps.retentionMs, Date.now())
      .then((purged) => {
        if (purged > 0)
          deps.log.info({ purged, retentionDays: deps.retentionMs / 86_400_000 }, 'events purged');
      })
      .catch((err) => deps.log.error({ err }, 'event purge failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, deps.everyMs).unref();
      });
  };
  if (deps.retentionMs > 0) timer = setTimeout(run, 0).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
