import type { KyselyPlugin } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { startDispatcher } from '../src/events/dispatcher';
import { fanOut } from '../src/events/fan-out.repository';
import { emitEvents } from '../src/events/outbox.repository';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { testConfig } from './helpers/app';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { startEventReceiver, withEvents } from './helpers/event-receiver';
import { addEndpoint } from './helpers/events';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-03T08:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
/** More than one fan-out statement reads (fan-out.repository.ts reads 500 a statement). */
const BACKLOG = 1_600;

/** `n` events of one type at `nowMs`, in one transaction, as a report's are written. */
async function emitMany(
  db: Db,
  type: 'message.completed' | 'message.status_changed',
  n: number,
  nowMs: number,
) {
  const now = at(nowMs);
  const events = Array.from({ length: n }, (_, i) => {
    const messageId = newId();
    const data =
      type === 'message.completed'
        ? { messageId, batchId: 'b', clientReference: null, completedAt: now }
        : {
            messageId,
            batchId: 'b',
            clientReference: null,
            recipient: '+15551234567',
            status: 'Dispatched',
            code: i,
            at: now,
            operatorStatusAt: null,
            final: false,
          };
    return { data, dedupeKey: null };
  });
  // biome-ignore lint/suspicious/noExplicitAny: two event types through one helper
  await db.transaction().execute((trx) => emitEvents(trx, type as any, events as any, now));
}

/** An endpoint whose window was full from the first event on: all that is fanned out is still to queue. */
async function addEndpointBehind(db: Db, id: string, eventTypes: string[] | null): Promise<void> {
  const first = await db.selectFrom('events').select('seq').orderBy('seq').limit(1).executeTakeFirstOrThrow();
  await addEndpoint(db, id, {
    event_types: eventTypes === null ? null : JSON.stringify(eventTypes),
    behind_from_seq: first.seq,
  });
}

const behindMark = async (db: Db, id: string) =>
  (
    await db
      .selectFrom('event_endpoints')
      .select('behind_from_seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).behind_from_seq;

/** The SQL of every statement run through the returned handle, in order. */
function recording(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      statements.push(db.getExecutor().compileQuery(args.node, args.queryId).sql);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: db.withPlugin(plugin), statements };
}

describe.each(DB_KINDS)('catching up an endpoint that is behind, on %s', (kind) => {
  it('When an endpoint that takes one rare type is behind over a backlog of other types longer than a read, then one fan-out queues its event and ends its catch-up', async () => {
    const db = await openTestDatabase(kind);
    await emitMany(db, 'message.status_changed', BACKLOG, T0);
    await emitMany(db, 'message.completed', 1, T0);
    await db.updateTable('events').set({ fanned_out: 1 }).execute();
    await addEndpointBehind(db, 'ep_completed', ['message.completed']);

    const result = await fanOut(db, { now: at(T0), retryForMs: DAY });

    expect(result.queued).toEqual([
      { endpointId: 'ep_completed', type: 'message.completed', expired: false },
    ]);
    expect(await behindMark(db, 'ep_completed')).toBeNull();
  });

  it('When a catch-up takes several fan-outs (events past EVENT_RETRY_FOR_SECONDS take no room), then the dispatcher claims what is due for another endpoint between them, not after the last', async () => {
    const raw = await openTestDatabase(kind);
    // Two days old: given up as they are queued for the endpoint behind, so its window never fills.
    await emitMany(raw, 'message.status_changed', BACKLOG, T0 - 2 * DAY);
    await raw.updateTable('events').set({ fanned_out: 1 }).execute();
    await addEndpointBehind(raw, 'ep_behind', null);
    // One new event, for the healthy receiver only (the other takes status changes only).
    await raw.updateTable('event_endpoints').set({ event_types: '["message.status_changed"]' }).execute();
    await emitMany(raw, 'message.completed', 1, Date.now());

    const receiver = await startEventReceiver();
    const settings = withEvents([receiver.url], { pollMs: 20 })(testConfig()).events;
    const { db, statements } = recording(raw);
    const dispatcher = startDispatcher({
      db,
      settings,
      log: createLogger('silent'),
      metrics: createMetrics({ processMetrics: false }),
    });
    onTestFinished(() => dispatcher.stop());
    await receiver.waitFor((got) => got.some((e) => e.type === 'message.completed'), 30_000);
    // Until the catch-up has ended.
    await expect.poll(() => behindMark(raw, 'ep_behind'), { timeout: 30_000, interval: 20 }).toBeNull();

    const catchUps = statements.flatMap((s, i) =>
      /"redelivered_at" from "events" where "seq" >= /.test(s) ? [i] : [],
    );
    const firstClaim = statements.findIndex((s) => /^update "event_deliveries" set "lease_owner"/.test(s));
    expect(catchUps.length).toBeGreaterThanOrEqual(Math.ceil(BACKLOG / 500));
    expect(firstClaim).toBeGreaterThan(catchUps[0] as number);
    expect(firstClaim).toBeLessThan(catchUps[1] as number);
    const failed = await raw
      .selectFrom('event_deliveries')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('endpoint_id', '=', 'ep_behind')
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow();
    expect(Number(failed.n)).toBe(BACKLOG);
  }, 60_000);
});
