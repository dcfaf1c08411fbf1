import type { Transaction } from 'kysely';
import type { Db } from '../db/database';
import type { Database, MessagesTable, RecipientsTable } from '../db/schema';
import { SEND_STATUS, statusRank } from '../delivery-reports/delivery-status';

export type Handle = Db | Transaction<Database>;

export type NewMessage = Pick<
  MessagesTable,
  'id' | 'client_reference' | 'sender' | 'body' | 'delivery_report'
>;

/** Stores a message and its recipients as Pending, before Sinch is called. */
export async function insertPendingMessage(db: Db, message: NewMessage, msisdns: string[], now: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('messages')
      .values({
        ...message,
        batch_id: null,
        send_status: SEND_STATUS.pending,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('recipients')
      .values(
        msisdns.map((msisdn) => ({
          message_id: message.id,
          msisdn,
          status: SEND_STATUS.pending,
          status_rank: statusRank(SEND_STATUS.pending),
          code: null,
          status_at: null,
          operator_status_at: null,
          updated_at: now,
        })),
      )
      .execute();
  });
}

/** Sinch accepted the batch: the message and every recipient not yet further along become Sent. */
export async function markSent(
  trx: Handle,
  id: string,
  batch: { id: string; expireAt: string | null },
  now: string,
): Promise<void> {
  await trx
    .updateTable('messages')
    .set({ batch_id: batch.id, send_status: SEND_STATUS.sent, expire_at: batch.expireAt, updated_at: now })
    .where('id', '=', id)
    .execute();
  await trx
    .updateTable('recipients')
    .set({ status: SEND_STATUS.sent, status_rank: statusRank(SEND_STATUS.sent), updated_at: now })
    .where('message_id', '=', id)
    .where('status_rank', '<', statusRank(SEND_STATUS.sent))
    .execute();
}

/** Sinch refused or failed: the row stays, with the error, and recipients no report has reached yet say so. */
export async function markSendFailed(
  db: Db,
  id: string,
  status: typeof SEND_STATUS.failed | typeof SEND_STATUS.refused,
  error: { code: string; text: string },
  now: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('messages')
      .set({ send_status: status, error_code: error.code, error_text: error.text, updated_at: now })
      .where('id', '=', id)
      .where('send_status', '=', SEND_STATUS.pending)
      .execute();
    await trx
      .updateTable('recipients')
      .set({ status, updated_at: now })
      .where('message_id', '=', id)
      .where('status', '=', SEND_STATUS.pending)
      .execute();
  });
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
  return db
    .selectFrom('recipient_events')
    .select(['msisdn', 'status', 'code', 'at', 'applied_at'])
    .where('message_id', '=', messageId)
    .orderBy('applied_at')
    .orderBy('id')
    .execute();
}
