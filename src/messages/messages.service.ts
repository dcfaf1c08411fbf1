import type { Db } from '../db/database';
import { messageStatus } from '../delivery-reports/delivery-status';
import { findMessage, findRecipientEvents, findRecipients } from './messages.repository';

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
  error?: { code: string | null; text: string | null };
  summary?: unknown;
  recipients: Array<{
    to: string;
    status: string;
    code: number | null;
    statusAt: string | null;
    operatorStatusAt: string | null;
    history: Array<{ status: string; code: number | null; at: string | null }>;
  }>;
};

/** A message with each recipient's status and the reports applied to it, oldest first. */
export async function getMessage(db: Db, idOrBatchId: string): Promise<MessageView | undefined> {
  const message = await findMessage(db, idOrBatchId);
  if (!message) return undefined;
  const [recipients, events] = await Promise.all([
    findRecipients(db, message.id),
    findRecipientEvents(db, message.id),
  ]);

  const view: MessageView = {
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
      history: events
        .filter((e) => e.msisdn === r.msisdn)
        .map((e) => ({ status: e.status, code: e.code, at: e.at ?? e.applied_at })),
    })),
  };
  if (message.error_code || message.error_text) {
    view.error = { code: message.error_code, text: message.error_text };
  }
  if (message.report_summary) view.summary = JSON.parse(message.report_summary);
  return view;
}
