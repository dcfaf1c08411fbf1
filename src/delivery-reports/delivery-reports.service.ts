import type { Logger } from '../logger';
import {
  type BatchDeliveryReport,
  canonicalStatus,
  type InboundMessage,
  isRecipientReport,
  normalizeMsisdn,
  type RecipientDeliveryReport,
  type SinchCallback,
} from '../sinch/callbacks.schemas';

/** One recipient's status as a callback states it, whichever shape carried it. */
export type RecipientStatusUpdate = {
  batchId: string;
  recipient: string;
  status: string;
  code: number;
  at: string | undefined;
  operatorStatusAt: string | undefined;
  clientReference: string | undefined;
};

/** Flattens a delivery report into per-recipient updates; `summary` reports name no recipient. */
export function recipientUpdates(
  report: RecipientDeliveryReport | BatchDeliveryReport,
): RecipientStatusUpdate[] {
  if (isRecipientReport(report)) {
    return [
      {
        batchId: report.batch_id,
        recipient: normalizeMsisdn(report.recipient),
        status: canonicalStatus(report.status),
        code: report.code,
        at: report.at,
        operatorStatusAt: report.operator_status_at,
        clientReference: report.client_reference,
      },
    ];
  }
  return report.statuses.flatMap((entry) =>
    (entry.recipients ?? []).map((recipient) => ({
      batchId: report.batch_id,
      recipient: normalizeMsisdn(recipient),
      status: canonicalStatus(entry.status),
      code: entry.code,
      at: undefined,
      operatorStatusAt: undefined,
      clientReference: report.client_reference,
    })),
  );
}

function logInbound(message: InboundMessage, log: Logger): void {
  log.info({ inboundId: message.id, from: message.from, to: message.to, type: message.type }, 'inbound sms');
}

/** Handles one callback Sinch posted. */
export async function handleCallback(callback: SinchCallback, log: Logger): Promise<void> {
  switch (callback.type) {
    case 'mo_text':
    case 'mo_binary':
    case 'mo_media':
      logInbound(callback, log);
      return;
    case 'delivery_report_sms':
    case 'delivery_report_mms':
      if (!callback.statuses.some((s) => s.recipients)) {
        log.info(
          {
            batchId: callback.batch_id,
            clientReference: callback.client_reference,
            statuses: callback.statuses,
          },
          'batch delivery summary',
        );
        return;
      }
      break;
    case 'recipient_delivery_report_sms':
    case 'recipient_delivery_report_mms':
      break;
  }
  for (const update of recipientUpdates(callback)) {
    log.info(
      {
        batchId: update.batchId,
        recipient: update.recipient,
        status: update.status,
        code: update.code,
        clientReference: update.clientReference,
      },
      'delivery status',
    );
  }
}
