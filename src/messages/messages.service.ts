import { encodeCursor } from '../core/pagination';
import type { Db } from '../db/database';
import type { MessagesTable, RecipientsTable } from '../db/schema';
import { messageStatus } from '../tracking';
import {
  findMessage,
  findRecipientEvents,
  findRecipients,
  findRecipientsOf,
  listMessages,
} from './messages.repository';
import type { ListMessagesQuery } from './messages.schemas';

type HistoryEntry = { status: string; code: number | null; at: string | null };

export type RecipientView = {
  to: string;
  status: string;
  code: number | null;
  statusAt: string | null;
  operatorStatusAt: string | null;
  history: HistoryEntry[];
};

export type MessageView = {
  id: string;
  batchId: string | null;
  clientReference: string;
  from: string;
  message: string;
  status: string;
  sendStatus: string;
  deliveryReport: string;
  createdAt: string;
  updatedAt: string;
  /** When Sinch is to send it, for a scheduled message. */
  sendAt?: string;
  /** When Sinch stops trying to deliver it. */
  expireAt?: string;
  /** GSM or UNICODE, and SMS parts per recipient, as computed before sending. */
  encoding?: string;
  parts?: number;
  /** Present once DELETE /messages/:id cancelled the batch. */
  cancelledAt?: string;
  error?: { code: string | null; text: string | null };
  summary?: unknown;
  recipients: RecipientView[];
};

/** A message as listed: the same as MessageView without each recipient's history. */
export type MessageListItem = Omit<MessageView, 'recipients'> & {
  recipients: Array<Omit<RecipientView, 'history'>>;
};

type EventRow = Awaited<ReturnType<typeof findRecipientEvents>>[number];

function toView(message: MessagesTable, recipients: RecipientsTable[]): MessageListItem {
  const view: MessageListItem = {
    id: message.id,
    batchId: message.batch_id,
    clientReference: message.client_reference,
    from: message.sender,
    message: message.body,
    status: messageStatus(recipients.map((r) => r.status)),
    sendStatus: message.send_status,
    deliveryReport: message.delivery_report,
    createdAt: message.created_at,
    updatedAt:
      [message.updated_at, ...recipients.map((r) => r.updated_at)].sort().at(-1) ?? message.updated_at,
    recipients: recipients.map((r) => ({
      to: `+${r.msisdn}`,
      status: r.status,
      code: r.code,
      statusAt: r.status_at,
      operatorStatusAt: r.operator_status_at,
    })),
  };
  // Shown only when known, so messages stored before these columns existed keep their shape.
  if (message.send_at) view.sendAt = message.send_at;
  if (message.expire_at) view.expireAt = message.expire_at;
  if (message.encoding) view.encoding = message.encoding;
  if (message.parts !== null) view.parts = message.parts;
  if (message.cancelled_at) view.cancelledAt = message.cancelled_at;
  if (message.error_code || message.error_text) {
    view.error = { code: message.error_code, text: message.error_text };
  }
  if (message.report_summary) view.summary = JSON.parse(message.report_summary);
  return view;
}

function withHistory(view: MessageListItem, events: EventRow[]): MessageView {
  return {
    ...view,
    recipients: view.recipients.map((r) => ({
      ...r,
      history: events
        .filter((e) => `+${e.msisdn}` === r.to)
        .map((e) => ({ status: e.status, code: e.code, at: e.at ?? e.applied_at })),
    })),
  };
}

/** A message with each recipient's status and the reports applied to it, oldest first. */
export async function getMessage(db: Db, idOrBatchId: string): Promise<MessageView | undefined> {
  // One snapshot: read apart, the recipients and their history could straddle a report's commit and
  // show a recipient Delivered whose history has no Delivered yet. (SQLite's transaction holds the
  // one connection instead; PostgreSQL needs repeatable read for one snapshot across statements.)
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const message = await findMessage(trx, idOrBatchId);
      if (!message) return undefined;
      const recipients = await findRecipients(trx, message.id);
      const events = await findRecipientEvents(trx, message.id);
      return withHistory(toView(message, recipients), events);
    });
}

/**
 * One page of messages, newest first, and the cursor of the next page (null on the last). Two queries
 * a page, whatever its size: the messages, then all their recipients.
 */
export async function listMessagesPage(
  db: Db,
  query: ListMessagesQuery,
): Promise<{ messages: MessageListItem[]; nextCursor: string | null }> {
  const { limit, cursor, ...filter } = query;
  const rows = await listMessages(db, filter, limit + 1, cursor);
  const page = rows.slice(0, limit);
  const recipients = await findRecipientsOf(
    db,
    page.map((m) => m.id),
  );
  const byMessage = new Map<string, RecipientsTable[]>();
  for (const r of recipients) {
    const list = byMessage.get(r.message_id);
    if (list) list.push(r);
    else byMessage.set(r.message_id, [r]);
  }
  const last = page.at(-1);
  return {
    messages: page.map((m) => toView(m, byMessage.get(m.id) ?? [])),
    nextCursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, key: last.id }) : null,
  };
}
