import SQLite from 'better-sqlite3';
import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../src/db/storage-errors';
import { makeTestApp } from './helpers/app';
import { DB_KINDS } from './helpers/databases';

/** A pg server error as the driver builds it from an ErrorResponse message. */
function pgError(code: string): Error {
  const error = new pg.DatabaseError('server said no', 0, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

/** What a real connection attempt to a port nobody listens on throws. */
async function refusedConnection(): Promise<unknown> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
  return client.connect().then(
    () => new Error('connected'),
    (error: unknown) => error,
  );
}

const callback = {
  type: 'recipient_delivery_report_sms',
  batch_id: '01JSTORAGE00000000000000000',
  recipient: '15551234567',
  status: 'Delivered',
  code: 0,
  at: '2026-11-28T10:00:05.000Z',
};

function counted(metricsText: string, outcome: string): number {
  const line = metricsText
    .split('\n')
    .find((l) => l.startsWith('sinch_callbacks_total{') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('which errors mean storage is unavailable', () => {
  it.each([
    ['SQLite busy', new SQLite.SqliteError('database is locked', 'SQLITE_BUSY')],
    ['SQLite disk I/O (extended code)', new SQLite.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE')],
    ['SQLite file cannot be opened', new SQLite.SqliteError('unable to open', 'SQLITE_CANTOPEN')],
    ['SQLite disk full', new SQLite.SqliteError('database or disk is full', 'SQLITE_FULL')],
    ['a closed SQLite handle', new TypeError('The database connection is not open')],
    ['a destroyed Kysely instance', new Error('driver has already been destroyed')],
    ['pg connection failure (08006)', pgError('08006')],
    ['pg deadlock detected (40P01)', pgError('40P01')],
    ['pg serialization failure (40001)', pgError('40001')],
    ['pg too many connections (53300)', pgError('53300')],
    ['pg admin shutdown (57P01)', pgError('57P01')],
    ['pg I/O error (58030)', pgError('58030')],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect')],
    ['pg connection lost', new Error('Connection terminated unexpectedly')],
    ['one wrapped in a cause', new Error('query failed', { cause: pgError('08001') })],
  ])('When the driver reports %s, then it is storage unavailable', (_name, error) => {
    expect(isStorageUnavailable(error)).toBe(true);
  });

  it('When PostgreSQL refuses the connection (ECONNREFUSED), then it is storage unavailable', async () => {
    expect(isStorageUnavailable(await refusedConnection())).toBe(true);
  });

  it.each([
    ['a TypeError of ours', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a SQLite constraint', new SQLite.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['a SQLite syntax error', new SQLite.SqliteError('near "selec": syntax error', 'SQLITE_ERROR')],
    ['a pg unique violation (23505)', pgError('23505')],
    ['a pg undefined column (42703)', pgError('42703')],
    ['a plain error', new Error('something else')],
    ['not an error at all', 'ECONNREFUSED'],
  ])('When the error is %s, then it is not storage unavailable', (_name, error) => {
    expect(isStorageUnavailable(error)).toBe(false);
  });
});

describe.each(DB_KINDS)('errors answered by the service on %s', (kind) => {
  it('When storage is down, then a callback gets 503 STORAGE_UNAVAILABLE and counts as storage_error', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    await db.destroy();

    const res = await request(app).post('/webhooks/dlr').send(callback);
    const metrics = await request(app).get('/metrics');

    expect(res.status).toBe(503);
    expect(res.body.code).toBe('STORAGE_UNAVAILABLE');
    expect(counted(metrics.text, 'storage_error')).toBe(1);
  });

  it('When storing a callback fails with a bug (a TypeError), then it gets 500 INTERNAL_ERROR, logged at error', async () => {
    const { app, db, logs } = await makeTestApp({ db: kind });
    db.transaction = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'execute')");
    };

    const res = await request(app).post('/webhooks/dlr').send(callback);
    const metrics = await request(app).get('/metrics');

    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR', error: 'Something went wrong on our side.' });
    expect(counted(metrics.text, 'storage_error')).toBe(0);
    expect(counted(metrics.text, 'internal_error')).toBe(1);
    const line = logs.lines.find((l) => (l.req as { url?: string } | undefined)?.url === '/webhooks/dlr');
    expect(line?.level).toBe('error');
    expect((line?.err as { type?: string } | undefined)?.type).toBe('TypeError');
  });

  it('When storage is down, then listing messages gets 503, not 500', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    await db.destroy();

    const res = await request(app).get('/messages');

    expect(res.status).toBe(503);
    expect(res.body.code).toBe('STORAGE_UNAVAILABLE');
  });
});
