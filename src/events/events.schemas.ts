import { z } from 'zod';

/**
 * Every event this service pushes to an application, in one file: the envelope of the Standard Webhooks
 * convention (`type`, `timestamp`, `data`) with our own `id`, which is also the `webhook-id` header and
 * the receiver's de-duplication key. docs/events.md shows an example of each.
 */

export const EVENT_TYPES = [
  'message.sent',
  'message.status_changed',
  'message.completed',
  'message.send_failed',
  'inbound.received',
  'opt_out.changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What every message event carries: our id, Sinch's batch id (null until Sinch gave one), the caller's reference. */
const messageFields = {
  messageId: z.string().meta({ description: 'Our message id (messageId of POST /send-sms).' }),
  batchId: z.string().nullable().meta({ description: "Sinch's batch id; null when Sinch never gave one." }),
  clientReference: z
    .string()
    .nullable()
    .meta({ description: 'The clientReference of the send (our id unless given).' }),
};

export const messageSentData = z
  .object({ ...messageFields, sentAt: z.string().meta({ description: 'When Sinch took the batch.' }) })
  .meta({ id: 'MessageSentData' });

export const statusChangedData = z
  .object({
    ...messageFields,
    recipient: z.string().meta({ description: 'The recipient, E.164.' }),
    status: z.string().meta({
      description:
        'Dispatched, Delivered, Failed, Expired, Rejected, Aborted, Deleted, Cancelled, or NoReport ' +
        '(the batch expired and Sinch, when asked, had no final report).',
    }),
    code: z.number().int().nullable().meta({ description: "Sinch's delivery report code." }),
    at: z.string().nullable().meta({ description: "Sinch's time of the status; null when it gave none." }),
    operatorStatusAt: z.string().nullable(),
    final: z
      .boolean()
      .meta({ description: 'True when the status can no longer change in the normal course.' }),
  })
  .meta({ id: 'MessageStatusChangedData' });

export const completedData = z
  .object({ ...messageFields, completedAt: z.string() })
  .meta({ id: 'MessageCompletedData', description: 'Every recipient of the message has a final status.' });

export const sendFailedData = z
  .object({
    ...messageFields,
    status: z.enum(['SendRefused', 'SendFailed']).meta({
      description:
        'SendRefused: Sinch refused the batch, nothing was sent. SendFailed: the call failed or timed ' +
        'out; Sinch may still have it, and status events may follow.',
    }),
    error: z.object({ code: z.string(), text: z.string() }),
  })
  .meta({ id: 'MessageSendFailedData' });

export const inboundData = z
  .object({
    inboundId: z.string(),
    type: z.string().meta({ description: 'mo_text, mo_binary or mo_media.' }),
    from: z.string(),
    to: z.string(),
    body: z.string().nullable(),
    receivedAt: z.string().nullable(),
    messageId: z.null(),
    batchId: z.null(),
    clientReference: z.string().nullable(),
  })
  .meta({ id: 'InboundReceivedData' });

export const optOutChangedData = z
  .object({
    msisdn: z.string().meta({ description: 'The number, E.164.' }),
    action: z.enum(['opt_out', 'opt_in']),
    source: z.string().meta({ description: 'keyword, delivery_code or operator.' }),
    reason: z.string(),
    reference: z.string().nullable().meta({ description: 'The inbound id or batch id that caused it.' }),
    occurredAt: z.string(),
    messageId: z.null(),
    batchId: z.string().nullable(),
    clientReference: z.null(),
  })
  .meta({ id: 'OptOutChangedData' });

const DATA = {
  'message.sent': messageSentData,
  'message.status_changed': statusChangedData,
  'message.completed': completedData,
  'message.send_failed': sendFailedData,
  'inbound.received': inboundData,
  'opt_out.changed': optOutChangedData,
} as const satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof DATA)[T]>;

const envelope = <T extends EventType>(type: T) =>
  z.object({
    id: z.string().meta({ description: 'Unique per event; the webhook-id header. De-duplicate on it.' }),
    type: z.literal(type),
    timestamp: z.string().meta({ description: 'When the event happened here (ISO 8601, UTC).' }),
    data: DATA[type],
  });

/** Any event as it is sent: the union on `type`. */
export const eventSchema = z
  .discriminatedUnion(
    'type',
    EVENT_TYPES.map((type) => envelope(type)) as unknown as [
      ReturnType<typeof envelope>,
      ...ReturnType<typeof envelope>[],
    ],
  )
  .meta({ id: 'Event', description: 'An event as POSTed to an endpoint (Standard Webhooks envelope).' });

export type Event<T extends EventType = EventType> = {
  id: string;
  type: T;
  timestamp: string;
  data: EventData<T>;
};

export function eventDataSchema(type: EventType): z.ZodType {
  return DATA[type];
}
