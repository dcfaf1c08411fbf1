/**
 * The cost of an outbox backlog (issue 14: a receiver down for an hour): 50,000 pending deliveries to
 * one endpoint, then how long the dispatcher's claim and its backlog metric take, on SQLite and (with
 * BENCH_PG_URL, an empty database it may fill) PostgreSQL. Each claim runs in a transaction rolled back,
 * so every repetition finds the same rows.
 *
 *   node --import tsx bench/outbox-backlog.ts [--events=50000] [--reps=20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { newId } from '../src/core/ids';
import { type Db, openDatabase, parseDatabaseUrl } from '../src/db/database';
import { outboxBacklog } from '../src/events/deliveries.repository';

// Also runs on a revision before claims.repository.ts (copy it there): the claim of that time, one query
// for every endpoint, and later events left due behind a retried one.
const claims = await import('../src/events/claims.repository').catch(() => undefined);
const older = claims ? undefined : await import('../src/events/deliveries.repository');

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 50_000);
const REPS = arg('reps', 20);
const PER_MESSAGE = 4;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `EVENTS` pending deliveries of `EVENTS / 4` messages to the endpoint `down`, four events each: the
 * first tried and backed off until `nextMs`, the later three waiting for it (as recordAttempt leaves
 * them, due with it); and 16 new events, due now, for the endpoint `up`.
 */
async function seed(db: Db, nowMs: number, nextMs: number): Promise<void> {
  for (const id of ['down', 'up']) {
    await db
      .insertInto('event_endpoints')
      .values({
        id,
        url: `https://${id}.example/hooks`,
        secrets: '[]',
        source: 'api',
        created_at: iso(nowMs),
      })
      .execute();
  }
  const created = iso(nowMs - 3_600_000);
  let seq = 0;
  const rows = [];
  for (let m = 0; m < EVENTS / PER_MESSAGE + 16; m++) {
    const healthy = m >= EVENTS / PER_MESSAGE;
    const messageId = newId();
    for (let k = 0; k < (healthy ? 1 : PER_MESSAGE); k++) {
      seq++;
      const eventId = `evt_${newId().replaceAll('-', '')}`;
      rows.push({
        event: {
          seq,
          id: eventId,
          type: 'message.status_changed',
          message_id: messageId,
          payload: '{}',
          created_at: created,
          fanned_out: 1,
        },
        delivery: {
          id: newId(),
          event_id: eventId,
          event_seq: seq,
          endpoint_id: healthy ? 'up' : 'down',
          order_key: messageId,
          url: `https://${healthy ? 'up' : 'down'}.example/hooks`,
          status: 'pending',
          attempts: healthy || k > 0 ? 0 : 9,
          next_attempt_at: healthy ? iso(nowMs) : k > 0 && older ? created : iso(nextMs),
          retry_until: iso(nowMs + 86_400_000),
          created_at: created,
        },
      });
    }
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('events')
        .values(chunk.map((r) => r.event))
        .execute();
      await trx
        .insertInto('event_deliveries')
        .values(chunk.map((r) => r.delivery))
        .execute();
    });
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

class Rollback extends Error {}

/** One claim as the dispatcher makes it (16 slots, 4 per endpoint), undone after. */
async function claimOnce(db: Db, nowMs: number): Promise<number> {
  let n = 0;
  await db
    .transaction()
    .execute(async (trx) => {
      const slots = { room: 16, perEndpoint: 4, busy: new Map<string, number>() };
      const [now, lease] = [iso(nowMs), iso(nowMs + 30_000)];
      const handle = trx as unknown as Db;
      // biome-ignore lint/suspicious/noExplicitAny: the older signature took a number of slots
      const claimOld = (older as any)?.claimDue;
      n = (
        claims
          ? await claims.claimDue(handle, 'bench', now, lease, slots)
          : await claimOld(handle, 'bench', now, lease, 16)
      ).length;
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return n;
}

async function measure(label: string, db: Db): Promise<void> {
  const nowMs = Date.now();
  await seed(db, nowMs, nowMs + 1_800_000);
  if (label.startsWith('PostgreSQL')) await sql`analyze`.execute(db);
  const outage = await timed(() => claimOnce(db, nowMs));
  const claimedInOutage = await claimOnce(db, nowMs);
  const backlog = await timed(() => outboxBacklog(db));
  // The receiver is back: every head due (as resume, or the hour passing, leaves them).
  await db
    .updateTable('event_deliveries')
    .set({ next_attempt_at: iso(nowMs - 1000) })
    .execute();
  if (label.startsWith('PostgreSQL')) await sql`analyze`.execute(db);
  const resumed = await timed(() => claimOnce(db, nowMs));
  const claimedResumed = await claimOnce(db, nowMs);
  console.log(
    `${label}: ${EVENTS.toLocaleString('en')} pending to a down endpoint; claim ${outage.toFixed(2)} ms (${claimedInOutage} claimed, all for the endpoint that is up), ` +
      `claim once all are due ${resumed.toFixed(2)} ms (${claimedResumed} claimed), backlog metric ${backlog.toFixed(2)} ms (medians of ${REPS})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'outbox-backlog-'));
try {
  const sqlite = await openDatabase(parseDatabaseUrl(`sqlite:${join(dir, 'b.sqlite')}`));
  await measure('SQLite', sqlite);
  await sqlite.destroy();
  if (process.env.BENCH_PG_URL) {
    const pg = await openDatabase(parseDatabaseUrl(process.env.BENCH_PG_URL));
    await measure('PostgreSQL', pg);
    await pg.destroy();
  }
} finally {
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
}
