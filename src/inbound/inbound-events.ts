import type { Handle } from '../db/database';
import { emitEvent } from '../events';
import type { InboundMessage } from '../sinch/callbacks.schemas';

/** `inbound.received`, in the transaction that stores the message; Sinch's retries of one id write none. */
export function emitInboundReceived(trx: Handle, message: InboundMessage, now: string): Promise<void> {
  const body: unknown = message.body;
  const data = {
    inboundId: message.id,
    type: message.type,
    from: message.from,
    to: message.to,
    body: typeof body === 'string' ? body : body === undefined ? null : JSON.stringify(body),
    receivedAt: typeof message.received_at === 'string' ? message.received_at : null,
    messageId: null,
    batchId: null,
    clientReference: typeof message.client_reference === 'string' ? message.client_reference : null,
  };
  return emitEvent(trx, 'inbound.received', data, now, `inbound:${message.id}`);
}
