import { describe, expect, it, onTestFinished } from 'vitest';
import { newId } from '../src/core/ids';
import type { Db } from '../src/db/database';
import { outboxBacklog } from '../src/events/deliveries.repository';
import { startDispatcher } from '../src/events/dispatcher';
import { resumeEndpoint } from '../src/events/endpoints.repository';
import { purgeEvents } from '../src/events/events-retention';
import { listEvents } from '../src/events/events-view.repository';
import { fanOut, QUEUE_WINDOW } from '../src/events/fan-out.repository';
import { emitEvent } from '../src/events/outbox.repository';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { testConfig } from './helpers/app';
import { DB_KINDS, openTestDatabase } from './helpers/databases';
import { startEventReceiver, withEvents } from './helpers/event-receiver';
import { addEndpoint, emitStatus } from './helpers/events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-12-03T08:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

const deliveriesOf = (db: Db, endpointId: string) =>
  db
    .selectFrom('event_deliveries')
    .select(['event_seq', 'status', 'retry_until'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('event_seq')
    .execute();

const behindFrom = async (db: Db, id: string) =>
  (
    await db
      .selectFrom('event_endpoints')
      .select('behind_from_seq')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).behind_from_seq;

/** Ends every pending delivery of the endpoint as delivered: its window frees. */
const deliverAll = (db: Db, endpointId: string) =>
  db
    .updateTable('event_deliveries')
    .set({ status: 'delivered', done_at: at(T0) })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();

describe.each(DB_KINDS)('the queue window of an endpoint, on %s', (kind) => {
  it('When an endpoint has a full window, then later events get no delivery row until it frees, then are queued in order, and the backlog and GET /events count them pending meanwhile', async () => {
    const db = await openTestDatabase(kind);
    await addEndpoint(db, 'ep_slow');
    await addEndpoint(db, 'ep_fast');
    const message = newId();
    for (let code = 0; code < 5; code++) await emitStatus(db, message, code, T0);
    const seqs = (await db.selectFrom('events').select('seq').orderBy('seq').execute()).map((e) =>
      Number(e.seq),
    );

    await fanOut(db, { now: at(T0), retryForMs: DAY, window: 2 });
    expect((await deliveriesOf(db, 'ep_slow')).map((d) => Number(d.event_seq))).toEqual(seqs.slice(0, 2));
    expect(Number(await behindFrom(db, 'ep_slow'))).toBe(seqs[2]);
    // Two pending and three still to queue at each endpoint.
    expect((await outboxBacklog(db)).depth).toBe(10);
    const pending = await listEvents(db, { limit: 50, status: 'pending' });
    expect(pending).toHaveLength(5);
    for (const event of pending) {
      expect(event.deliveries.map((d) => [d.endpointId, d.status]).sort()).toEqual([
        ['ep_fast', 'pending'],
        ['ep_slow', 'pending'],
      ]);
    }

    // The fast endpoint's receiver takes its two; the slow one's window stays full.
    await deliverAll(db, 'ep_fast');
    await fanOut(db, { now: at(T0), retryForMs: DAY, window: 2 });
    expect((await deliveriesOf(db, 'ep_fast')).map((d) => Number(d.event_seq))).toEqual(seqs.slice(0, 4));
    expect((await deliveriesOf(db, 'ep_slow')).map((d) => Number(d.event_seq))).toEqual(seqs.slice(0, 2));

    await deliverAll(db, 'ep_fast');
    await deliverAll(db, 'ep_slow');
    await fanOut(db, { now: at(T0), retryForMs: DAY, window: 2 });
    await deliverAll(db, 'ep_slow');
    await fanOut(db, { now: at(T0), retryForMs: DAY, window: 2 });
    for (const id of ['ep_fast', 'ep_slow']) {
      expect((await deliveriesOf(db, id)).map((d) => Number(d.event_seq))).toEqual(seqs);
      expect(await behindFrom(db, id)).toBeNull();
    }
    // Caught up: new events are queued at once again.
    await deliverAll(db, 'ep_slow');
    await emitStatus(db, message, 5, T0);
    await fanOut(db, { now: at(T0), retryForMs: DAY, window: 2 });
    expect(await deliveriesOf(db, 'ep_slow')).toHaveLength(6);
  });

  it('When an endpoint takes some types only and is behind, then catching up queues only those, and the rest never', async () => {
    const db = await openTestDatabase(kind);
    await addEndpoint(db, 'ep_typed', { event_types: JSON.stringify(['message.completed']) });
    const message = newId();
    const now = at(T0);
    for (let i = 0; i < 3; i++) {
      await emitStatus(db, message, i, T0);
      await db
        .transaction()
        .execute((trx) =>
          emitEvent(
            trx,
            'message.completed',
            { messageId: `${message}-${i}`, batchId: 'b', clientReference: null, completedAt: now },
            now,
          ),
        );
    }
    await fanOut(db, { now, retryForMs: DAY, window: 1 });
    await deliverAll(db, 'ep_typed');
    await fanOut(db, { now, retryForMs: DAY, window: 1 });
    await deliverAll(db, 'ep_typed');
    await fanOut(db, { now, retryForMs: DAY, window: 1 });
    const types = await db
      .selectFrom('event_deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .select('e.type')
      .where('d.endpoint_id', '=', 'ep_typed')
      .orderBy('d.event_seq')
      .execute();
    expect(types.map((t) => t.type)).toEqual(['message.completed', 'message.completed', 'message.completed']);
    expect(await behindFrom(db, 'ep_typed')).toBeNull();
  });

  it('When an event waited behind a full window past EVENT_RETRY_FOR_SECONDS, then it is given up unsent; after a resume it gets the full time from then', async () => {
    const db = await openTestDatabase(kind);
    await addEndpoint(db, 'ep_down');
    const message = newId();
    for (let code = 0; code < 3; code++) await emitStatus(db, message, code, T0);
    await fanOut(db, { now: at(T0), retryForMs: HOUR, window: 1 });
    await deliverAll(db, 'ep_down');

    // Resumed half an hour in: the second event has an hour from then.
    await resumeEndpoint(db, 'ep_down', at(T0 + HOUR / 2), at(T0 + HOUR / 2 + HOUR));
    const resumed = await fanOut(db, { now: at(T0 + HOUR / 2), retryForMs: HOUR, window: 1 });
    expect(resumed.queued.map((q) => q.expired)).toEqual([false]);
    expect((await deliveriesOf(db, 'ep_down'))[1]?.retry_until).toBe(at(T0 + HOUR / 2 + HOUR));
    await deliverAll(db, 'ep_down');

    // Two hours in, an hour and a half after the resume: the third waited too long.
    const late = await fanOut(db, { now: at(T0 + 2 * HOUR), retryForMs: HOUR, window: 1 });
    expect(late.queued).toEqual([{ endpointId: 'ep_down', type: 'message.status_changed', expired: true }]);
    expect((await deliveriesOf(db, 'ep_down')).map((d) => d.status)).toEqual([
      'delivered',
      'delivered',
      'failed',
    ]);
    expect(await behindFrom(db, 'ep_down')).toBeNull();
  });

  it('When events wait for an endpoint that is behind, then the retention purge keeps them and takes the older finished ones', async () => {
    const db = await openTestDatabase(kind);
    await addEndpoint(db, 'ep_behind');
    const message = newId();
    for (let code = 0; code < 3; code++) await emitStatus(db, message, code);
    await fanOut(db, { now: at(Date.now()), retryForMs: DAY, window: 1 });
    await deliverAll(db, 'ep_behind');
    const seqs = (await db.selectFrom('events').select('seq').orderBy('seq').execute()).map((e) =>
      Number(e.seq),
    );

    expect(await purgeEvents(db, 30 * DAY, Date.now() + 31 * DAY)).toBe(1);
    const left = (await db.selectFrom('events').select('seq').orderBy('seq').execute()).map((e) =>
      Number(e.seq),
    );
    expect(left).toEqual(seqs.slice(1));
  });

  it('When the receiver is down for more events than the window holds, then at most a window of rows is written for it, and once it is up it gets every event once, in order per message, verified', async () => {
    const db = await openTestDatabase(kind);
    let down = true;
    const receiver = await startEventReceiver({ respond: () => (down ? 503 : 200) });
    const settings = withEvents([receiver.url], {
      retryBaseMs: 10,
      retryMaxDelayMs: 50,
      pollMs: 10,
      perEndpoint: 16,
    })(testConfig()).events;
    const dispatcher = startDispatcher({
      db,
      settings,
      log: createLogger('silent'),
      metrics: createMetrics({ processMetrics: false }),
    });
    onTestFinished(() => dispatcher.stop());

    const messages = Array.from({ length: 20 }, () => newId());
    const total = QUEUE_WINDOW + 200;
    for (let i = 0; i < total; i++) await emitStatus(db, messages[i % messages.length] as string, i);
    const rows = async () =>
      Number(
        (
          await db
            .selectFrom('event_deliveries')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    // Fanned out, the window full, and tried while down.
    await expect
      .poll(
        async () => (await db.selectFrom('events').select('id').where('fanned_out', '=', 0).execute()).length,
        {
          timeout: 20_000,
        },
      )
      .toBe(0);
    await receiver.waitForAny(20, 20_000);
    expect(await rows()).toBe(QUEUE_WINDOW);
    expect((await outboxBacklog(db)).depth).toBe(total);

    down = false;
    const got = await receiver.waitFor((accepted) => accepted.length === total, 60_000);
    expect(await rows()).toBe(total);
    expect(got.every((e) => e.verified)).toBe(true);
    for (const id of messages) {
      const codes = got.filter((e) => e.body.data.messageId === id).map((e) => e.body.data.code as number);
      expect(codes).toEqual([...codes].sort((a, b) => a - b));
      expect(codes).toHaveLength(total / messages.length);
    }
  }, 90_000);
});
