/**
 * How long a `full` delivery report naming 1,000 recipients, all with code 257 (opted out), takes to
 * apply through POST /webhooks/dlr on SQLite and on PostgreSQL (issue 13 item 4): the recipients moved
 * to Failed, their history written, and all 1,000 put on the opt-out list, in one transaction.
 *
 *   node --import tsx bench/opt-out-codes.ts [runs]      (PostgreSQL: BENCH_PG_URL, else the test server)
 *
 * Each run is a new batch in the same database, so later runs also meet a growing opt-out list. Logs go
 * through pino at info level into nothing, as the service would write them.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import request from 'supertest';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { type Db, openDatabase, parseDatabaseUrl } from '../src/db/database';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics/metrics';
import { createSinchClient } from '../src/sinch/sinch.client';
import { statusRank } from '../src/tracking';

const RUNS = Number(process.argv[2] ?? 7);
const RECIPIENTS = 1_000;
const PG_ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_DB = 'bench_opt_out_codes';

const numbers = (run: number) =>
  Array.from(
    { length: RECIPIENTS },
    (_, i) => `1${String(run).padStart(3, '0')}${String(i).padStart(7, '0')}`,
  );

async function seedBatch(db: Db, run: number): Promise<string> {
  const now = new Date().toISOString();
  const batchId = `01JBENCHOPTOUT${String(run).padStart(12, '0')}`;
  const id = `0190c000-0000-7000-8000-${String(run).padStart(12, '0')}`;
  await db
    .insertInto('messages')
    .values({
      id,
      batch_id: batchId,
      client_reference: id,
      sender: '12345678901',
      body: 'bench',
      send_status: 'Sent',
      delivery_report: 'full',
      created_at: now,
      updated_at: now,
    } as never)
    .execute();
  const rows = numbers(run).map((msisdn) => ({
    message_id: id,
    msisdn,
    status: 'Sent',
    status_rank: statusRank('Sent'),
    updated_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('recipients')
      .values(rows.slice(i, i + 500) as never)
      .execute();
  }
  return batchId;
}

async function measure(kind: string, url: string): Promise<number[]> {
  const loaded = loadConfig({
    SINCH_SERVICE_PLAN_ID: 'bench',
    SINCH_API_TOKEN: 'bench-token-not-real',
    SINCH_NUMBER: '+15550001111',
    DATABASE_URL: url,
    RATE_LIMIT_WEBHOOK: '0',
    RECONCILE_INTERVAL_SECONDS: '0',
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const { config } = loaded;
  const db = await openDatabase(parseDatabaseUrl(url));
  const nowhere = new Writable({ write: (_chunk, _enc, done) => done() });
  const logger = createLogger('info', nowhere);
  const app = buildApp({
    config,
    logger,
    db,
    sinch: createSinchClient(config.sinch),
    metrics: createMetrics({ processMetrics: false }),
  });
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const batchId = await seedBatch(db, run);
    const body = JSON.stringify({
      type: 'delivery_report_sms',
      batch_id: batchId,
      statuses: [{ code: 257, status: 'Failed', count: RECIPIENTS, recipients: numbers(run) }],
    });
    const started = process.hrtime.bigint();
    const res = await request(app).post('/webhooks/dlr').set('Content-Type', 'application/json').send(body);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== 200) throw new Error(`${kind}: answered ${res.status} ${res.text}`);
  }
  const listed = await db
    .selectFrom('opt_outs')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(listed.n) !== RUNS * RECIPIENTS) throw new Error(`${kind}: ${listed.n} numbers listed`);
  await db.destroy();
  return times;
}

function summary(kind: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `${kind}: ${RECIPIENTS} recipients with code 257, ${times.length} runs: median ${median.toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms (first ${times[0]?.toFixed(0)} ms)`;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-opt-out-'));
try {
  console.log(summary('SQLite', await measure('sqlite', `sqlite:${join(dir, 'sms.sqlite')}`)));
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`drop database if exists ${PG_DB}`);
  await admin.query(`create database ${PG_DB}`);
  const pgUrl = new URL(PG_ADMIN);
  pgUrl.pathname = `/${PG_DB}`;
  try {
    console.log(summary('PostgreSQL', await measure('postgres', pgUrl.toString())));
  } finally {
    await admin.query(`drop database if exists ${PG_DB}`);
    await admin.end();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
