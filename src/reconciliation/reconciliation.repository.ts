import type { ExpressionBuilder } from 'kysely';
import type { Handle } from '../db/database';
import type { RecipientsTable } from '../db/schema';
import { FINAL_RANK, SEND_STATUS } from '../tracking';

/**
 * A recipient the sweep asks about: no final status, not given up on (NoReport), and due for a check
 * at `now`. The one rule for both the sweep's list and what it reads once it holds a message.
 */
const dueForCheck = (eb: ExpressionBuilder<{ r: RecipientsTable }, 'r'>, now: string) =>
  eb.and([
    eb('r.status_rank', '<', FINAL_RANK),
    eb('r.status', '<>', SEND_STATUS.noReport),
    eb.or([eb('r.next_check_at', 'is', null), eb('r.next_check_at', '<=', now)]),
  ]);

/**
 * Messages Sinch accepted at least `cutoff` ago that still have a recipient without a final status,
 * due for a check and not leased by another instance.
 */
export async function findMessagesToReconcile(db: Handle, now: string, cutoff: string, limit: number) {
  return (
    db
      .selectFrom('recipients as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .select(['m.id', 'm.batch_id', 'm.expire_at'])
      .distinct()
      .where((eb) => dueForCheck(eb, now))
      // A batch id means Sinch has the batch, even when our own call to it ended in doubt.
      .where('m.batch_id', 'is not', null)
      // A scheduled batch is asked about once it has been out that long, not while it waits to leave.
      .where((eb) => eb(eb.fn.coalesce('m.send_at', 'm.created_at'), '<=', cutoff))
      .where((eb) => eb.or([eb('m.lease_until', 'is', null), eb('m.lease_until', '<', now)]))
      .orderBy('m.id')
      .limit(limit)
      .execute()
  );
}

/** Takes the message for `owner` until `until`; false when another instance holds it. */
export async function claimMessage(db: Handle, id: string, owner: string, now: string, until: string) {
  const result = await db
    .updateTable('messages')
    .set({ lease_owner: owner, lease_until: until })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Keeps the message leased to `owner` until `until`: no sweep looks at it before then. */
export async function holdMessage(db: Handle, id: string, owner: string, until: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ lease_until: until })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

export async function releaseMessage(db: Handle, id: string, owner: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * The message's recipients still without a final status and due for a check, read after the message
 * is claimed: another instance may have checked them between this sweep's list and its claim.
 */
export async function openRecipients(db: Handle, messageId: string, now: string) {
  return db
    .selectFrom('recipients as r')
    .select(['r.msisdn', 'r.status'])
    .where('r.message_id', '=', messageId)
    .where((eb) => dueForCheck(eb, now))
    .execute();
}

export async function scheduleNextCheck(
  db: Handle,
  messageId: string,
  msisdn: string,
  at: string,
): Promise<void> {
  await db
    .updateTable('recipients')
    .set({ next_check_at: at })
    .where('message_id', '=', messageId)
    .where('msisdn', '=', msisdn)
    .execute();
}

/**
 * Sends whose call to Sinch ended in doubt (SendFailed, no batch id) stored between `oldest` and
 * `cutoff`, not leased: Sinch may have taken them though no report said so.
 */
export async function findSendsInDoubt(
  db: Handle,
  now: string,
  cutoff: string,
  oldest: string,
  limit: number,
) {
  return db
    .selectFrom('messages')
    .select(['id', 'client_reference', 'body', 'created_at'])
    .where('batch_id', 'is', null)
    .where('send_status', '=', SEND_STATUS.failed)
    .where('created_at', '<=', cutoff)
    .where('created_at', '>=', oldest)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('created_at')
    .limit(limit)
    .execute();
}
