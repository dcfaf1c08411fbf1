import { sql } from 'kysely';
import type { PageCursor } from '../core/pagination';
import type { Db, Handle } from '../db/database';
import { preparedQuery } from '../db/prepared';
import type { MessagesTable, RecipientsTable } from '../db/schema';
import { SEND_STATUS, statusRank } from '../tracking';

export type NewMessage = Pick<
  MessagesTable,
  | 'id'
  | 'client_reference'
  | 'sender'
  | 'body'
  | 'delivery_report'
  | 'send_at'
  | 'expire_at'
  | 'encoding'
  | 'parts'
> &
  Partial<Pick<MessagesTable, 'status_callback_url'>>;

type PendingValues = NewMessage & { now: string; pending: string; rank: number };

const insertMessageRow = preparedQuery((db, v: PendingValues) =>
  db.insertInto('messages').values({
    id: v.id,
    client_reference: v.client_reference,
    sender: v.sender,
    body: v.body,
    delivery_report: v.delivery_report,
    send_at: v.send_at,
    expire_at: v.expire_at,
    encoding: v.encoding,
    parts: v.parts,
    status_callback_url: v.status_callback_url,
    batch_id: null,
    send_status: v.pending,
    created_at: v.now,
    updated_at: v.now,
  }),
);

/** The common case, one recipient: a statement compiled once. */
const insertOneRecipient = preparedQuery((db, v: PendingValues & { msisdn: string }) =>
  db.insertInto('recipients').values({
    message_id: v.id,
    msisdn: v.msisdn,
    status: v.pending,
    status_rank: v.rank,
    code: null,
    status_at: null,
    operator_status_at: null,
    updated_at: v.now,
  }),
);

/** Stores a message and its recipients as Pending, before Sinch is called; in the caller's transaction. */
export async function insertPendingMessage(trx: Handle, message: NewMessage, msisdns: string[], now: string) {
  const values: PendingValues = {
    ...message,
    // A prepared statement takes every value by name: absent is null.
    status_callback_url: message.status_callback_url ?? null,
    now,
    pending: SEND_STATUS.pending,
    rank: statusRank(SEND_STATUS.pending),
  };
  await insertMessageRow(trx, values);
  const [only] = msisdns;
  if (msisdns.length === 1 && only !== undefined) {
    await insertOneRecipient(trx, { ...values, msisdn: only });
    return;
  }
  await trx
    .insertInto('recipients')
    .values(
      msisdns.map((msisdn) => ({
        message_id: message.id,
        msisdn,
        status: values.pending,
        status_rank: values.rank,
        code: null,
        status_at: null,
        operator_status_at: null,
        updated_at: now,
      })),
    )
    .execute();
}

/** A message by our id or by Sinch's batch id. */
export async function findMessage(db: Handle, idOrBatchId: string) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrBatchId), eb('batch_id', '=', idOrBatchId)]))
    .executeTakeFirst();
}

export async function findRecipients(db: Handle, messageId: string): Promise<RecipientsTable[]> {
  return db
    .selectFrom('recipients')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('msisdn')
    .execute();
}

export async function findRecipientEvents(db: Handle, messageId: string) {
  return (
    db
      .selectFrom('recipient_events')
      .select(['msisdn', 'status', 'code', 'at', 'applied_at'])
      .where('message_id', '=', messageId)
      // Sinch's time of each status where it gave one (our time of applying it otherwise), then arrival.
      .orderBy(sql`coalesce(at, applied_at)`)
      .orderBy('applied_at')
      .orderBy('id')
      .execute()
  );
}

export type MessageFilter = {
  status?: string;
  /** Digits only. */
  recipient?: string;
  /** Inclusive, on created_at. */
  since?: string;
  /** Exclusive, on created_at. */
  until?: string;
};

/**
 * Messages newest first by (created_at, id), after the cursor's position. The order and the range come
 * from the (created_at, id) index.
 */
export async function listMessages(
  db: Db,
  filter: MessageFilter,
  limit: number,
  after: PageCursor | undefined,
) {
  let query = db.selectFrom('messages').selectAll();
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (after) {
    // The first condition is an index range; the second settles ties on created_at.
    query = query
      .where('created_at', '<=', after.createdAt)
      .where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb('id', '<', after.key)]));
  }
  const { status, recipient } = filter;
  if (recipient !== undefined) {
    // A number has few messages: start from them (recipients_msisdn), then sort that handful.
    query = query.where('id', 'in', (eb) => {
      let sub = eb.selectFrom('recipients').select('message_id').where('msisdn', '=', recipient);
      if (status !== undefined) sub = sub.where('status', '=', status);
      return sub;
    });
  } else if (status !== undefined && (await isRare(db, status))) {
    // Few recipients have it (Failed, Rejected…): start from them (recipients_rare_status).
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('recipients').select('message_id').where('status', '=', status).where(NOT_COMMON),
    );
  } else if (status !== undefined) {
    // Many messages have it: walk them newest first and keep those that do; a page fills quickly.
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('recipients as r')
          .select('r.message_id')
          .whereRef('r.message_id', '=', 'messages.id')
          .where('r.status', '=', status),
      ),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Statuses most recipients reach, left out of the status index (migration 0014) so that the common
 * report moves no index entry; a listing filtered on one walks messages newest first instead. The
 * term is written out as the index's predicate is, so that SQLite and PostgreSQL see the index applies.
 */
const COMMON_STATUSES: readonly string[] = ['Sent', 'Delivered'];
const NOT_COMMON = sql<boolean>`status not in ('Sent', 'Delivered')`;

/** Recipients at most, among those with a status, for the status to count as rare in a listing. */
export const RARE_STATUS_LIMIT = 1_000;

/**
 * Whether fewer than RARE_STATUS_LIMIT recipients have this status; reads at most that many entries of
 * the (status, message_id) index. Walking all messages for a status few have would read the whole table.
 */
async function isRare(db: Db, status: string): Promise<boolean> {
  if (COMMON_STATUSES.includes(status)) return false;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from (${db
    .selectFrom('recipients')
    .select('message_id')
    .where('status', '=', status)
    .where(NOT_COMMON)
    .limit(RARE_STATUS_LIMIT)}) as probe`.execute(db);
  return Number(rows[0]?.n ?? 0) < RARE_STATUS_LIMIT;
}

/** The recipients of several messages at once, for a page of the list. */
export async function findRecipientsOf(db: Handle, messageIds: string[]): Promise<RecipientsTable[]> {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('recipients')
    .selectAll()
    .where('message_id', 'in', messageIds)
    .orderBy('message_id')
    .orderBy('msisdn')
    .execute();
}
