import { normalizeTimestamp } from '../core/timestamps';
import type { Handle } from '../db/database';
import type { InboundMessage } from '../sinch/callbacks.schemas';

/** A `mo_binary`'s header as given, when it fits its column; the raw callback keeps it either way. */
function udhOf(message: InboundMessage): string | null {
  const udh: unknown = message.udh;
  return typeof udh === 'string' && udh.length <= 280 && !udh.includes('\u0000') ? udh : null;
}

/** Stores an inbound message once; Sinch's retries of the same id change nothing. True when stored now. */
export async function insertInbound(db: Handle, message: InboundMessage, now: string): Promise<boolean> {
  const result = await db
    .insertInto('inbound_messages')
    .values({
      id: message.id,
      sender: message.from,
      recipient: message.to,
      // PostgreSQL cannot store NUL; a handset never shows it either.
      body:
        typeof message.body === 'string'
          ? message.body.replaceAll('\u0000', '')
          : message.body === undefined
            ? null
            : JSON.stringify(message.body),
      type: message.type,
      received_at: normalizeTimestamp(message.received_at),
      sent_at: normalizeTimestamp(message.sent_at ?? message.send_at),
      operator_id: message.operator_id ?? null,
      client_reference: message.client_reference ?? null,
      udh: udhOf(message),
      stored_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
