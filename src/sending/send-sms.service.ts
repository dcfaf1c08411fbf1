import type { Config } from '../config';
import { defaultExpiry, LOOKUP_WINDOW_MS, lookupSince } from '../core/batch-window';
import { AppError } from '../core/errors';
import { newId } from '../core/ids';
import { normalizeMsisdn } from '../core/msisdn';
import { normalizeTimestamp } from '../core/timestamps';
import type { Db } from '../db/database';
import { inTransaction } from '../db/group-commit';
import type { IdempotencyContext } from '../idempotency';
import { linkMessage } from '../idempotency';
import type { Logger } from '../logger';
import { findMessage, insertPendingMessage } from '../messages';
import type { OptOutRules } from '../opt-outs';
import { optOutCodeHook } from '../opt-outs';
import type { SendGuard } from '../security';
import type { SinchClient } from '../sinch/sinch.client';
import { SinchError } from '../sinch/sinch.errors';
import * as tracking from '../tracking';
import type { SendSmsBody } from './send-sms.schemas';

export type SendSmsDeps = {
  config: Config;
  sinch: SinchClient;
  db: Db;
  optOuts: OptOutRules;
  /** The limits, checked again as the send is stored (see SendGuard.reserve). */
  sendGuard?: Pick<SendGuard, 'reserve' | 'release'>;
};

export type SendSmsResult = { messageId: string; batchId: string; clientReference: string };

/** The part of a send plan the send itself needs. */
export type SendTarget = {
  recipients: string[];
  encoding: string;
  parts: number;
  /** The API key that spends the send (its fingerprint), for its daily cap. */
  keyId?: string;
};

/** The callback URL every batch carries when the service knows its public address. */
export function callbackUrl(config: Config): string | undefined {
  return config.publicBaseUrl ? `${config.publicBaseUrl}/webhooks/dlr` : undefined;
}

/**
 * Sends one batch to the planned recipients. The message is stored before Sinch is called, with our
 * id as its client reference unless the caller gave one, so every report can find it, even one that
 * arrives before Sinch's answer. Sinch failures are recorded on the row and surface as SinchError.
 */
export async function sendSms(
  deps: SendSmsDeps,
  input: SendSmsBody,
  target: SendTarget,
  log: Logger,
  idempotency?: IdempotencyContext,
): Promise<SendSmsResult> {
  const { config, sinch, db } = deps;
  const resumed = idempotency?.resumeMessageId
    ? await findMessage(db, idempotency.resumeMessageId)
    : undefined;
  if (resumed?.batch_id) {
    // The earlier request got its batch but died before answering: answer now, send nothing.
    log.info(
      { messageId: resumed.id, batchId: resumed.batch_id },
      'idempotent retry: the send had succeeded',
    );
    return { messageId: resumed.id, batchId: resumed.batch_id, clientReference: resumed.client_reference };
  }
  if (resumed && Date.now() - Date.parse(resumed.created_at) > LOOKUP_WINDOW_MS) {
    // Sinch lists batches for 14 days only: past that, "not found" proves nothing.
    throw new AppError(
      'SINCH_TIMEOUT',
      `The first try of this request (message ${resumed.id}) may have reached Sinch too long ago to ` +
        'look up; it is not sent again, to avoid a duplicate.',
      { messageId: resumed.id },
    );
  }
  const messageId = resumed?.id ?? newId();
  const clientReference = resumed?.client_reference ?? input.clientReference ?? messageId;
  if (resumed) {
    log.warn({ messageId }, 'idempotent retry of a send that died: asking Sinch before sending again');
  } else {
    const msisdns = target.recipients.map(normalizeMsisdn);
    await inTransaction(db, async (trx) => {
      const cost = { parts: target.parts, keyId: target.keyId };
      const refusal = await deps.sendGuard?.reserve(trx, msisdns, cost, log);
      if (refusal) throw refusal;
      await insertPendingMessage(
        trx,
        {
          id: messageId,
          client_reference: clientReference,
          sender: config.sinch.number,
          body: input.message,
          delivery_report: config.sinch.deliveryReport,
          send_at: normalizeTimestamp(input.sendAt),
          expire_at: normalizeTimestamp(input.expireAt),
          encoding: target.encoding,
          parts: target.parts,
          status_callback_url: input.statusCallbackUrl ?? null,
        },
        msisdns,
        new Date().toISOString(),
      );
      if (idempotency) await linkMessage(trx, idempotency.scopeKey, messageId);
    });
  }

  let batchId: string;
  let expireAt: string | null;
  try {
    const batch = await sinch.sendBatch(
      {
        from: config.sinch.number,
        to: target.recipients,
        body: input.message,
        delivery_report: config.sinch.deliveryReport,
        client_reference: clientReference,
        callback_url: callbackUrl(config),
        send_at: input.sendAt,
        expire_at: input.expireAt,
        max_number_of_message_parts: config.maxMessageParts > 0 ? config.maxMessageParts : undefined,
      },
      {
        // A resumed send may have reached Sinch before the process died: look it up first.
        ...(resumed ? { mayExistSince: lookupSince(resumed.created_at) } : {}),
        context: { log, messageId },
      },
    );
    batchId = batch.id;
    expireAt =
      normalizeTimestamp(batch.expire_at) ??
      normalizeTimestamp(input.expireAt) ??
      defaultExpiry(input.sendAt ?? batch.created_at);
  } catch (error) {
    await recordFailure(deps, messageId, error, log, target);
    throw error;
  }

  try {
    const hook = optOutCodeHook(deps.optOuts);
    await tracking.recordBatch(
      db,
      { id: messageId, clientReference },
      { id: batchId, expireAt },
      { log, hook },
    );
  } catch (err) {
    // Sinch has the batch: answering an error would invite a second send. The row exists as Pending
    // with our client reference, so its reports still find it.
    log.error({ err, messageId, batchId }, 'sms accepted by sinch but its batch id could not be stored');
  }
  log.info({ messageId, batchId, clientReference }, 'sms accepted by sinch');
  return { messageId, batchId, clientReference };
}

async function recordFailure(
  deps: Pick<SendSmsDeps, 'db' | 'sendGuard'>,
  messageId: string,
  error: unknown,
  log: Logger,
  target: SendTarget,
): Promise<void> {
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
    const changed = await tracking.markSendFailed(
      deps.db,
      messageId,
      refused ? tracking.SEND_STATUS.refused : tracking.SEND_STATUS.failed,
      detail,
      new Date().toISOString(),
    );
    // A send Sinch refused reached no one: it comes off the day's count.
    if (refused && changed) {
      await deps.sendGuard?.release(changed.createdAt, changed.recipients * target.parts, target.keyId);
    }
  } catch (err) {
    log.error({ err, messageId }, 'could not record the failed send');
  }
}
