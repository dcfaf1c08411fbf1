import type { Config } from '../config';
import type { Db } from '../db/database';
import { newId } from '../db/ids';
import { lockBatch } from '../delivery-reports/delivery-reports.repository';
import { applyUnmatchedCallbacks } from '../delivery-reports/delivery-reports.service';
import { normalizeTimestamp, SEND_STATUS } from '../delivery-reports/delivery-status';
import { storageUnavailable } from '../http/errors';
import type { Logger } from '../logger';
import { insertPendingMessage, markSendFailed, markSent } from '../messages/messages.repository';
import { normalizeMsisdn } from '../sinch/callbacks.schemas';
import type { SinchClient } from '../sinch/sinch.client';
import { SinchError } from '../sinch/sinch.errors';
import type { SendSmsBody } from './send-sms.schemas';

export type SendSmsDeps = { config: Config; sinch: SinchClient; db: Db };

export type SendSmsResult = { messageId: string; batchId: string; clientReference: string };

/** The callback URL every batch carries when the service knows its public address. */
export function callbackUrl(config: Config): string | undefined {
  return config.publicBaseUrl ? `${config.publicBaseUrl}/webhooks/dlr` : undefined;
}

/**
 * Sends one SMS as a one-recipient batch. The message is stored before Sinch is called, with our id
 * as its client reference unless the caller gave one, so every report can find it, even one that
 * arrives before Sinch's answer. Sinch failures are recorded on the row and surface as SinchError.
 */
export async function sendSms(deps: SendSmsDeps, input: SendSmsBody, log: Logger): Promise<SendSmsResult> {
  const { config, sinch, db } = deps;
  const messageId = newId();
  const clientReference = input.clientReference ?? messageId;
  try {
    await insertPendingMessage(
      db,
      {
        id: messageId,
        client_reference: clientReference,
        sender: config.sinch.number,
        body: input.message,
        delivery_report: config.sinch.deliveryReport,
      },
      [normalizeMsisdn(input.to)],
      new Date().toISOString(),
    );
  } catch (error) {
    throw storageUnavailable(error);
  }

  let batchId: string;
  let expireAt: string | null;
  try {
    const batch = await sinch.sendBatch({
      from: config.sinch.number,
      to: [input.to],
      body: input.message,
      delivery_report: config.sinch.deliveryReport,
      client_reference: clientReference,
      callback_url: callbackUrl(config),
    });
    batchId = batch.id;
    expireAt = normalizeTimestamp(batch.expire_at) ?? defaultExpiry(batch.created_at);
  } catch (error) {
    await recordFailure(db, messageId, error, log);
    throw error;
  }

  try {
    const now = new Date().toISOString();
    const early = await db.transaction().execute(async (trx) => {
      await lockBatch(trx, batchId);
      await markSent(trx, messageId, { id: batchId, expireAt }, now);
      return applyUnmatchedCallbacks(trx, batchId, clientReference, now, log);
    });
    if (early > 0)
      log.info({ messageId, batchId, applied: early }, 'applied reports that arrived before the batch');
  } catch (err) {
    // Sinch has the batch: answering an error would invite a second send. The row exists as Pending
    // with our client reference, so its reports still find it.
    log.error({ err, messageId, batchId }, 'sms accepted by sinch but its batch id could not be stored');
  }
  log.info({ messageId, batchId, clientReference }, 'sms accepted by sinch');
  return { messageId, batchId, clientReference };
}

/** Sinch's default and maximum: delivery attempts stop three days after the batch is sent. */
function defaultExpiry(createdAt: string | undefined): string {
  const from = normalizeTimestamp(createdAt) ?? new Date().toISOString();
  return new Date(Date.parse(from) + 3 * 24 * 3600 * 1000).toISOString();
}

async function recordFailure(db: Db, messageId: string, error: unknown, log: Logger): Promise<void> {
  // A 4xx means Sinch will not send it; 429 only means "not now", like a 5xx.
  const refused = error instanceof SinchError && error.kind === 'rejected' && !error.retryable;
  const detail =
    error instanceof SinchError
      ? {
          code: error.sinchCode ?? `${error.kind}${error.httpStatus ? `_${error.httpStatus}` : ''}`,
          text: error.message,
        }
      : { code: 'internal', text: 'unexpected error while calling Sinch' };
  try {
    await markSendFailed(
      db,
      messageId,
      refused ? SEND_STATUS.refused : SEND_STATUS.failed,
      detail,
      new Date().toISOString(),
    );
  } catch (err) {
    log.error({ err, messageId }, 'could not record the failed send');
  }
}
