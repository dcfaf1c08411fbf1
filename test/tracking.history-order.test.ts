import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { makeTestApp, sendThroughFakeSinch } from './helpers/app';
import { DB_KINDS } from './helpers/databases';
import { postReport, report, view } from './helpers/reports';

// Issue 13 item 8: a history event's time is taken after the batch's lock, and the history reads in
// Sinch's order (its timestamp, then arrival), whatever order the events were committed in.

const historyOf = async (app: Parameters<typeof view>[0], id: string) =>
  (await view(app, id)).recipients[0].history.map(
    (h: { status: string; at: string }) => `${h.status}@${h.at}`,
  );

describe.each(DB_KINDS)('Recipient history order, on %s', (kind) => {
  it("When the later status's event was written with an earlier time of ours, then history still follows Sinch's timestamps", async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: '01JHISTORYORDER00000000001' });
    await postReport(app, report(sent.batchId, 'Dispatched', 401, '2026-12-02T10:00:01.000Z')).expect(200);
    await postReport(app, report(sent.batchId, 'Delivered', 0, '2026-12-02T10:00:05.000Z')).expect(200);
    // What a race gave before: Dispatched's event stamped after Delivered's.
    await db
      .updateTable('recipient_events')
      .set({ applied_at: '2030-01-01T00:00:00.000Z' })
      .where('status', '=', 'Dispatched')
      .execute();

    expect(await historyOf(app, sent.messageId)).toEqual([
      'Dispatched@2026-12-02T10:00:01.000Z',
      'Delivered@2026-12-02T10:00:05.000Z',
    ]);
  });

  it.runIf(kind === 'postgres')(
    "When a report waits for its batch's lock, then its history event carries a time from after the wait",
    async () => {
      const { app, db, database } = await makeTestApp({ db: kind });
      const sent = await sendThroughFakeSinch(app, { batchId: '01JHISTORYORDER00000000002' });
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select pg_advisory_xact_lock(hashtext($1))', [sent.batchId]);
        const pending = postReport(app, report(sent.batchId, 'Delivered', 0, '2026-12-02T10:00:05.000Z'));
        const answered = pending.then((res) => res.status);
        // Wait until the report's transaction is blocked on that lock.
        for (;;) {
          const { rows } = await holder.query(
            "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted",
          );
          if (rows[0].n > 0) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
        const released = new Date().toISOString();
        await holder.query('commit');
        expect(await answered).toBe(200);

        const event = await db
          .selectFrom('recipient_events')
          .select('applied_at')
          .where('status', '=', 'Delivered')
          .executeTakeFirstOrThrow();
        expect(event.applied_at >= released).toBe(true);
      } finally {
        await holder.end();
      }
    },
  );
});
