import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { SinchClient } from '../sinch/sinch.client';
import type { SendSmsBody } from './send-sms.schemas';

export type SendSmsDeps = { config: Config; sinch: SinchClient; logger: Logger };

export type SendSmsResult = { batchId: string; clientReference: string };

/** The callback URL every batch carries when the service knows its public address. */
export function callbackUrl(config: Config): string | undefined {
  return config.publicBaseUrl ? `${config.publicBaseUrl}/webhooks/dlr` : undefined;
}

/** Sends one SMS as a one-recipient batch; Sinch failures surface as SinchError. */
export async function sendSms(deps: SendSmsDeps, input: SendSmsBody, log: Logger): Promise<SendSmsResult> {
  const { config, sinch } = deps;
  const clientReference = input.clientReference ?? randomUUID();
  const batch = await sinch.sendBatch({
    from: config.sinch.number,
    to: [input.to],
    body: input.message,
    delivery_report: config.sinch.deliveryReport,
    client_reference: clientReference,
    callback_url: callbackUrl(config),
  });
  log.info({ batchId: batch.id, clientReference }, 'sms accepted by sinch');
  return { batchId: batch.id, clientReference };
}
