/**
 * How fast the dispatcher delivers to a receiver that answers at once (issue 14: an application must
 * keep up with its events): `--events` events of `--events / 4` messages (four each, delivered in
 * order per message) to one endpoint on loopback, default settings; deliveries a second and the CPU of
 * this process (dispatcher and receiver both) per delivery. SQLite, and PostgreSQL with BENCH_PG_URL
 * (an empty database it may fill). EVENT_ENDPOINT_CONCURRENCY is passed on (default 4).
 *
 *   node --import tsx bench/event-delivery.ts [--events=4000] [--reps=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { newId } from '../src/core/ids';
import { type Db, openDatabase, parseDatabaseUrl } from '../src/db/database';
import { startDispatcher } from '../src/events/dispatcher';
import { emitEvents } from '../src/events/outbox.repository';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 4000);
const REPS = arg('reps', 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function once(db: Db, receiverUrl: string): Promise<{ perSecond: number; cpuUs: number }> {
  await db.deleteFrom('event_attempts').execute();
  await db.deleteFrom('event_deliveries').execute();
  await db.deleteFrom('events').execute();
  const now = new Date().toISOString();
  const events = Array.from({ length: EVENTS / 4 }, () => newId()).flatMap((messageId) =>
    [0, 1, 2, 3].map(() => ({
      data: { messageId, batchId: 'bench', clientReference: null, completedAt: now },
      dedupeKey: null,
    })),
  );
  await db.transaction().execute((trx) => emitEvents(trx, 'message.completed', events, now));
  const loaded = loadConfig({
    SINCH_SERVICE_PLAN_ID: 'bench',
    SINCH_API_TOKEN: 'bench',
    SINCH_NUMBER: '+15550001111',
    EVENT_WEBHOOK_URLS: receiverUrl,
    EVENT_WEBHOOK_SECRET: `whsec_${Buffer.from('bench-event-secret-not-a-real-one').toString('base64')}`,
    EVENT_ALLOW_HTTP: 'true',
    EVENT_ALLOW_PRIVATE_ADDRESSES: 'true',
    EVENT_ENDPOINT_CONCURRENCY: process.env.EVENT_ENDPOINT_CONCURRENCY,
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const delivered = () =>
    db
      .selectFrom('event_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'delivered')
      .executeTakeFirstOrThrow();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const dispatcher = startDispatcher({
    db,
    settings: loaded.config.events,
    log: createLogger('silent'),
    metrics: createMetrics({ processMetrics: false }),
  });
  while (Number((await delivered()).n) < EVENTS) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await dispatcher.stop();
  return { perSecond: (EVENTS / ms) * 1000, cpuUs: (used.user + used.system) / EVENTS };
}

async function measure(label: string, db: Db, receiverUrl: string): Promise<void> {
  const runs = [];
  for (let i = 0; i < REPS; i++) runs.push(await once(db, receiverUrl));
  console.log(
    `${label}: ${EVENTS.toLocaleString('en')} events to one receiver: ${median(runs.map((r) => r.perSecond)).toFixed(0)} delivered a second, ` +
      `${median(runs.map((r) => r.cpuUs)).toFixed(0)} µs of CPU each (medians of ${REPS}; runs ${runs.map((r) => r.perSecond.toFixed(0)).join(', ')} a second)`,
  );
}

let answered = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    answered++;
    res.statusCode = 204;
    res.end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
const dir = mkdtempSync(join(tmpdir(), 'event-delivery-'));
try {
  const sqlite = await openDatabase(parseDatabaseUrl(`sqlite:${join(dir, 'b.sqlite')}`));
  await measure('SQLite', sqlite, receiverUrl);
  await sqlite.destroy();
  if (process.env.BENCH_PG_URL) {
    const pg = await openDatabase(parseDatabaseUrl(process.env.BENCH_PG_URL));
    await measure('PostgreSQL', pg, receiverUrl);
    await pg.destroy();
  }
  console.log(`the receiver answered ${answered} requests`);
} finally {
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
