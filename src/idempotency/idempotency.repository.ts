import type { Db, Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { IdempotencyKeysTable } from '../db/schema';

// A send with a key runs these: each is built and compiled once (db/prepared.ts).

const keyRow = preparedQuery((db, v: { scopeKey: string }) =>
  db.selectFrom('idempotency_keys').selectAll().where('scope_key', '=', v.scopeKey),
);

const insertKeyRow = preparedQuery((db, v: IdempotencyKeysTable) =>
  db
    .insertInto('idempotency_keys')
    .values({
      scope_key: v.scope_key,
      request_hash: v.request_hash,
      state: v.state,
      response_status: v.response_status,
      response_body: v.response_body,
      created_at: v.created_at,
      locked_until: v.locked_until,
      expires_at: v.expires_at,
      message_id: v.message_id,
    })
    .onConflict((oc) => oc.column('scope_key').doNothing()),
);

const linkRow = preparedQuery((db, v: { scopeKey: string; messageId: string }) =>
  db.updateTable('idempotency_keys').set({ message_id: v.messageId }).where('scope_key', '=', v.scopeKey),
);

const completeRow = preparedQuery((db, v: { scopeKey: string; done: string; status: number; body: string }) =>
  db
    .updateTable('idempotency_keys')
    .set({ state: v.done, response_status: v.status, response_body: v.body })
    .where('scope_key', '=', v.scopeKey),
);

const releaseRow = preparedQuery((db, v: { scopeKey: string; inProgress: string }) =>
  db.deleteFrom('idempotency_keys').where('scope_key', '=', v.scopeKey).where('state', '=', v.inProgress),
);

export async function findKey(db: Db, scopeKey: string) {
  const [row] = (await keyRow(db, { scopeKey })).rows;
  return row;
}

/** Inserts the key as in_progress; false when a row for it already exists (the primary key decides). */
export async function insertKey(db: Db, row: IdempotencyKeysTable): Promise<boolean> {
  const result = await insertKeyRow(db, row);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/**
 * Takes over a key whose holder died (its lock ran out) when the retry is the same request, or any
 * key whose time is up; the WHERE clause makes the take-over atomic, so only one retry wins it. A dead holder's message stays linked, to be resumed;
 * an expired key starts afresh.
 */
export async function takeOverKey(db: Db, row: IdempotencyKeysTable, now: string): Promise<boolean> {
  const { message_id: _, ...fresh } = row;
  const result = await db
    .updateTable('idempotency_keys')
    .set((eb) => ({
      ...fresh,
      message_id: eb.case().when('expires_at', '<=', now).then(null).else(eb.ref('message_id')).end(),
    }))
    .where('scope_key', '=', row.scope_key)
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', now),
        // Only by the same request: another body under the key is refused, dead holder or not.
        eb.and([
          eb('state', '=', 'in_progress'),
          eb('locked_until', '<=', now),
          eb('request_hash', '=', row.request_hash),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Links the message a send stored to its key, in the transaction that stores it. */
export async function linkMessage(db: Handle, scopeKey: string, messageId: string): Promise<void> {
  await linkRow(db, { scopeKey, messageId });
}

export async function completeKey(db: Db, scopeKey: string, status: number, body: string): Promise<void> {
  await completeRow(db, { scopeKey, done: 'done', status, body });
}

/** The first request failed before it had an answer worth keeping: let a retry run it again. */
export async function releaseKey(db: Db, scopeKey: string): Promise<void> {
  await releaseRow(db, { scopeKey, inProgress: 'in_progress' });
}

export async function deleteExpiredKeys(db: Db, now: string): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
