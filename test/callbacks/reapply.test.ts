import { spawn } from 'node:child_process';
import { once } from 'node:events';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { insertCallback } from '../../src/callbacks/callbacks.repository';
import { reapplyStoredCallbacks } from '../../src/callbacks/reapply.service';
import { newId } from '../../src/core/ids';
import type { Db } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { optOutRules } from '../../src/opt-outs';
import { LogCapture, makeTestApp, sendThroughFakeSinch, TEST_ENV, testConfig } from '../helpers/app';
import { createTestDatabase, DB_KINDS } from '../helpers/databases';
import { CHILD_PROCESS_TEST_TIMEOUT_MS, serverCommand } from '../helpers/process';
import { OLD_WEBHOOK_SECRET, sinchSignatureHeaders, WEBHOOK_SECRET } from '../helpers/security';

const BATCH = '01JREAPPLY0000000000000000';
const rules = optOutRules(undefined);
const silent = createLogger('silent');

const delivered = (batchId: string) => ({
  type: 'recipient_delivery_report_sms',
  batch_id: batchId,
  recipient: '15551234567',
  code: 0,
  status: 'Delivered',
  at: '2026-11-28T10:00:05.000Z',
  // What an older release refused: null in an optional field.
  client_reference: null,
});

/** A row as an older release left it in the callback log. */
async function storeAs(db: Db, outcome: string, payload: object): Promise<string> {
  const id = newId();
  const fields = payload as { type?: string; batch_id?: string };
  await insertCallback(db, {
    id,
    received_at: new Date().toISOString(),
    type: fields.type ?? null,
    batch_id: fields.batch_id ?? null,
    client_reference: null,
    payload: JSON.stringify(payload),
    outcome,
    processed_at: new Date().toISOString(),
  });
  return id;
}

const outcomes = (db: Db) => db.selectFrom('callbacks').select(['id', 'outcome']).orderBy('id').execute();

describe.each(DB_KINDS)('npm run callbacks -- reapply, on %s', (kind) => {
  it('When an invalid and an unmatched report now apply, then both are applied, the rest stay, and a second run changes nothing', async () => {
    const { app, db } = await makeTestApp({ db: kind });
    const sent = await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
    const other = await sendThroughFakeSinch(app, { batchId: `${BATCH.slice(0, -1)}1`, to: '+15551234567' });
    const invalid = await storeAs(db, 'invalid', delivered(BATCH));
    const unmatched = await storeAs(db, 'unmatched', { ...delivered(other.batchId), client_reference: 'x' });
    const stillInvalid = await storeAs(db, 'invalid', { ...delivered(BATCH), code: 'zero' });
    const stillUnmatched = await storeAs(db, 'unmatched', delivered('01JNOBATCH0000000000000000'));

    const first = await reapplyStoredCallbacks(db, rules, silent);

    expect(first).toEqual({ applied: 2, invalid: 1, unmatched: 1 });
    expect(await outcomes(db)).toEqual(
      expect.arrayContaining([
        { id: invalid, outcome: 'applied' },
        { id: unmatched, outcome: 'applied' },
        { id: stillInvalid, outcome: 'invalid' },
        { id: stillUnmatched, outcome: 'unmatched' },
      ]),
    );
    for (const id of [sent.messageId, other.messageId]) {
      expect((await request(app).get(`/messages/${id}`).expect(200)).body.status).toBe('Delivered');
    }

    const second = await reapplyStoredCallbacks(db, rules, silent);
    expect(second).toEqual({ invalid: 1, unmatched: 1 });
    expect(await db.selectFrom('recipient_events').select('status').execute()).toHaveLength(2);
  });

  it('When an inbound STOP was kept as invalid, then reapplying stores it and opts the number out', async () => {
    const { db } = await makeTestApp({ db: kind });
    const id = await storeAs(db, 'invalid', {
      type: 'mo_text',
      id: '01JREAPPLYINBOUND000000000',
      from: '15557654321',
      to: '15550001111',
      body: 'STOP',
      operator_id: null,
      received_at: null,
    });

    expect(await reapplyStoredCallbacks(db, rules, silent)).toEqual({ inbound: 1 });

    expect(await outcomes(db)).toEqual([{ id, outcome: 'inbound' }]);
    expect(await db.selectFrom('opt_outs').select('msisdn').execute()).toEqual([{ msisdn: '15557654321' }]);
  });

  it('When a stored callback carries a problem (the database refused it as it was), then reapplying leaves it invalid, says why, and goes on with the next', async () => {
    const config = testConfig();
    config.limits = { ...config.limits, jsonMaxDepth: 1_000_000, callbackMaxBodyBytes: 4 * 1024 * 1024 };
    const { app, db } = await makeTestApp({ db: kind, config });
    // What the live route keeps of an inbound nested deeper than JSON.stringify can write out.
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    await request(app)
      .post('/webhooks/dlr')
      .set('Content-Type', 'application/json')
      .send(`{"type":"mo_text","id":"01JREAPPLYDEEP","from":"1555","to":"1555","body":${deep}}`)
      .expect(200);
    const [kept] = await db.selectFrom('callbacks').select(['id', 'problem']).execute();
    expect(kept?.problem).toMatch(/call stack/);
    const sent = await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
    const later = await storeAs(db, 'invalid', delivered(BATCH));
    const dropped = await storeAs(db, 'invalid', delivered(BATCH));
    // Stored without its payload, as the log does past CALLBACK_UNAPPLIED_MAX_MB.
    await db
      .updateTable('callbacks')
      .set({ payload: '', payload_bytes: 0 })
      .where('id', '=', dropped)
      .execute();
    const logs = new LogCapture();

    const counts = await reapplyStoredCallbacks(db, rules, createLogger('warn', logs));

    expect(counts).toEqual({ unstorable: 1, applied: 1, no_payload: 1 });
    expect(await outcomes(db)).toEqual(
      expect.arrayContaining([
        { id: kept?.id, outcome: 'invalid' },
        { id: later, outcome: 'applied' },
        { id: dropped, outcome: 'invalid' },
      ]),
    );
    const [line] = logs.find('stored callback still refused by the database as it is: left invalid');
    expect(line).toMatchObject({
      callbackId: kept?.id,
      type: 'mo_text',
      problem: expect.stringMatching(/call stack/),
    });
    expect(await db.selectFrom('inbound_messages').select('id').execute()).toEqual([]);
    expect((await request(app).get(`/messages/${sent.messageId}`).expect(200)).body.status).toBe('Delivered');
    // A second run finds the same and changes nothing.
    expect(await reapplyStoredCallbacks(db, rules, silent)).toEqual({ unstorable: 1, no_payload: 1 });
  });

  // On SQLite a second connection in this process would wait for the first on the same thread (the
  // driver is synchronous); the command test below runs two processes at once instead.
  it.skipIf(kind === 'sqlite')(
    'When two runs go at once over their own connections, then each callback is applied by one of them',
    async () => {
      const { app, db, database } = await makeTestApp({ db: kind });
      await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
      await storeAs(db, 'invalid', delivered(BATCH));
      for (let i = 0; i < 20; i += 1) {
        await storeAs(db, 'invalid', {
          type: 'mo_text',
          id: `01JREAPPLYCONCURRENT${String(i).padStart(6, '0')}`,
          from: '15557654321',
          to: '15550001111',
          body: `hello ${i}`,
          operator_id: '',
        });
      }
      const other = await database.open();
      try {
        const [a, b] = await Promise.all([
          reapplyStoredCallbacks(db, rules, silent),
          reapplyStoredCallbacks(other, rules, silent),
        ]);
        const total = (outcome: string) => (a[outcome] ?? 0) + (b[outcome] ?? 0);
        expect(total('applied')).toBe(1);
        expect(total('inbound')).toBe(20);
        expect((await outcomes(db)).filter((row) => row.outcome === 'invalid')).toEqual([]);
        expect(await db.selectFrom('recipient_events').select('id').execute()).toHaveLength(1);
        expect(await db.selectFrom('inbound_messages').select('id').execute()).toHaveLength(20);
      } finally {
        await other.destroy();
      }
    },
  );
});

/** Runs the command from the sources (tsx), as `npm run callbacks -- reapply` runs its build. */
async function runCommand(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string }> {
  const [command, args] = serverCommand('src/callbacks/callbacks.cli.ts');
  const child = spawn(command, [...args, 'reapply'], {
    env: { PATH: process.env.PATH, ...TEST_ENV, DATABASE_URL: databaseUrl, ...env },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout };
}

describe('npm run callbacks -- reapply, as a command', () => {
  it(
    'When run as a child process over a SQLite file, then it applies the stored callback and prints the counts',
    async () => {
      const database = await createTestDatabase('sqlite');
      try {
        const { app, db } = await makeTestApp({ database });
        await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
        await storeAs(db, 'invalid', delivered(BATCH));
        await storeAs(db, 'invalid', { ...delivered(BATCH), code: 'zero' });

        const { code, stdout } = await runCommand(database.url);

        expect(code).toBe(0);
        expect(stdout).toBe(
          'stored callbacks tried again: 2 (by outcome now: applied 1, invalid 1)\n' +
            'quarantine: left as it is, since no callback authentication is configured\n',
        );
        expect((await outcomes(db)).map((row) => row.outcome)).toEqual(['applied', 'invalid']);
      } finally {
        await database.drop();
      }
    },
    CHILD_PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'When two commands run at once over one SQLite file, then every callback is applied once',
    async () => {
      const database = await createTestDatabase('sqlite');
      onTestFinished(() => database.drop());
      const { db } = await makeTestApp({ database });
      for (let i = 0; i < 20; i += 1) {
        await storeAs(db, 'invalid', {
          type: 'mo_text',
          id: `01JREAPPLYTWOCOMMANDS${String(i).padStart(5, '0')}`,
          from: '15557654321',
          to: '15550001111',
          body: `hello ${i}`,
          sent_at: null,
        });
      }

      const runs = await Promise.all([runCommand(database.url), runCommand(database.url)]);

      expect(runs.map((run) => run.code)).toEqual([0, 0]);
      const inbound = runs.map((run) => Number(/inbound (\d+)/.exec(run.stdout)?.[1] ?? 0));
      expect((inbound[0] ?? 0) + (inbound[1] ?? 0)).toBe(20);
      expect((await outcomes(db)).every((row) => row.outcome === 'inbound')).toBe(true);
      expect(await db.selectFrom('inbound_messages').select('id').execute()).toHaveLength(20);
    },
    CHILD_PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'When a callback was refused for a wrong secret, then after the secret is fixed the command applies it',
    async () => {
      const database = await createTestDatabase('sqlite');
      onTestFinished(() => database.drop());
      const base = testConfig();
      const wrong = testConfig({ webhookAuth: { ...base.webhookAuth, hmacSecrets: [OLD_WEBHOOK_SECRET] } });
      const { app, db } = await makeTestApp({ database, config: wrong });
      const sent = await sendThroughFakeSinch(app, { batchId: BATCH, to: '+15551234567' });
      const body = JSON.stringify({ ...delivered(BATCH), client_reference: sent.clientReference });
      await request(app)
        .post('/webhooks/dlr')
        .set('Content-Type', 'application/json')
        .set(sinchSignatureHeaders(WEBHOOK_SECRET, body))
        .send(body)
        .expect(401);

      const { code, stdout } = await runCommand(database.url, { SINCH_WEBHOOK_SECRET: WEBHOOK_SECRET });

      expect(code).toBe(0);
      expect(stdout).toContain('quarantined callbacks verified again: 1 (applied 1); 0 purged for age');
      expect((await request(app).get(`/messages/${sent.messageId}`).expect(200)).body.status).toBe(
        'Delivered',
      );
      expect(await db.selectFrom('callback_quarantine').select('id').execute()).toEqual([]);
    },
    CHILD_PROCESS_TEST_TIMEOUT_MS,
  );
});
