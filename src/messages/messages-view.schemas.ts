import { z } from 'zod';

/** The answers of GET /messages, GET /messages/{id} and DELETE /messages/{id} (messages.service.ts). */

const instant = z.string().meta({ description: 'ISO 8601, UTC.', example: '2026-11-28T10:00:01.250Z' });

export const historyEntrySchema = z
  .object({
    status: z.string(),
    code: z.number().int().nullable().meta({ description: "Sinch's delivery code of the report." }),
    at: instant.nullable().meta({ description: "Sinch's time of the report, or when we applied it." }),
  })
  .meta({ id: 'StatusChange' });

const recipientFields = {
  to: z.string().meta({ example: '+15551234567' }),
  status: z.string().meta({
    description:
      'Ours before Sinch reports (Pending, Sent, SendFailed, SendRefused, NoReport), then Sinch’s: Queued, ' +
      'Dispatched, Delivered, Failed, Expired, Rejected, Aborted, Cancelled, Deleted, Unknown.',
    example: 'Delivered',
  }),
  code: z.number().int().nullable().meta({ description: "Sinch's delivery code of the latest report." }),
  statusAt: instant.nullable().meta({ description: "Sinch's time of the report that set the status." }),
  operatorStatusAt: instant.nullable().meta({ description: "The operator's time, when Sinch gave it." }),
};

export const recipientSchema = z.object(recipientFields).meta({ id: 'RecipientStatus' });

export const recipientWithHistorySchema = z
  .object({ ...recipientFields, history: z.array(historyEntrySchema) })
  .meta({ id: 'RecipientWithHistory' });

const messageFields = {
  id: z.string(),
  batchId: z
    .string()
    .nullable()
    .meta({ description: "Sinch's batch id; null while the send had no answer." }),
  clientReference: z.string(),
  from: z.string(),
  message: z.string().meta({ description: 'The text as sent.' }),
  status: z.string().meta({
    description: 'The recipients’ shared status, the least advanced while any is in flight, else Completed.',
  }),
  sendStatus: z.string().meta({ description: 'Pending, Sent, SendFailed or SendRefused.' }),
  deliveryReport: z.string().meta({ description: 'The kind of delivery reports asked of Sinch.' }),
  createdAt: instant,
  updatedAt: instant,
  sendAt: instant.optional(),
  expireAt: instant.optional(),
  encoding: z.string().optional().meta({ description: 'GSM or UNICODE.' }),
  parts: z.number().int().optional().meta({ description: 'SMS parts per recipient.' }),
  cancelledAt: instant.optional(),
  error: z
    .object({ code: z.string().nullable(), text: z.string().nullable() })
    .optional()
    .meta({ description: 'Why the send failed, as Sinch or the network said.' }),
  summary: z
    .unknown()
    .optional()
    .meta({ description: 'The latest batch delivery report, when Sinch sent one.' }),
};

const example = {
  id: '01JDQ3M1C8G6T7Z0W9X2Y4V5B6',
  batchId: '01JDQ3M1D0SINCHBATCH00001',
  clientReference: 'order-42',
  from: '+15550000000',
  message: 'Your code is 123456',
  status: 'Delivered',
  sendStatus: 'Sent',
  deliveryReport: 'per_recipient',
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:01.250Z',
  encoding: 'GSM',
  parts: 1,
};

export const messageSchema = z
  .object({ ...messageFields, recipients: z.array(recipientWithHistorySchema) })
  .meta({
    id: 'Message',
    example: {
      ...example,
      recipients: [
        {
          to: '+15551234567',
          status: 'Delivered',
          code: 0,
          statusAt: '2026-11-28T10:00:01.200Z',
          operatorStatusAt: '2026-11-28T10:00:01.100Z',
          history: [
            { status: 'Dispatched', code: 401, at: '2026-11-28T10:00:00.500Z' },
            { status: 'Delivered', code: 0, at: '2026-11-28T10:00:01.200Z' },
          ],
        },
      ],
    },
  });

export const messageListItemSchema = z
  .object({ ...messageFields, recipients: z.array(recipientSchema) })
  .meta({ id: 'MessageListItem' });

export const messagePageSchema = z
  .object({
    messages: z.array(messageListItemSchema).meta({ description: 'Newest first.' }),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null on the last.' }),
  })
  .meta({ id: 'MessagePage' });
