import { z } from 'zod';
import { deliveryReportTypeSchema, textBatchRequestSchema } from '../sinch/batches.schemas';

/**
 * What the emulator accepts on `POST /batches`, `PUT /batches/{id}`, `POST /batches/{id}` and dry run
 * (docs/sinch-sms-api.md §2, §9). `mt_text` extends the service's own client schema, so the two cannot drift;
 * `mt_binary` and `mt_media` are the other two types the contract and the official SDKs know.
 */

/** `${key}` substitutions: `{ key: { "<msisdn>" | "default": value } }`. */
const parameters = z.record(z.string().min(1), z.record(z.string().min(1), z.string().max(1600)));
const fromTon = z.number().int().min(0).max(6);
const fromNpi = z.number().int().min(0).max(18);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

export const mediaBodySchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  message: z.string().max(5000).optional(),
  subject: z.string().max(80).optional(),
});

export const textSendSchema = textBatchRequestSchema.extend({
  feedback_enabled: z.boolean().optional(),
  flash_message: z.boolean().optional(),
  truncate_concat: z.boolean().optional(),
  parameters: parameters.optional(),
  from_ton: fromTon.optional(),
  from_npi: fromNpi.optional(),
});

/** Fields every type shares, with the text schema's limits. */
const common = textSendSchema.pick({
  to: true,
  from: true,
  delivery_report: true,
  callback_url: true,
  client_reference: true,
  send_at: true,
  expire_at: true,
  feedback_enabled: true,
});

export const binarySendSchema = common.extend({
  type: z.literal('mt_binary'),
  /** The payload, base64; with the UDH at most 140 bytes a part. */
  body: z.string().min(1).regex(BASE64, 'must be base64'),
  /** User data header, hex. */
  udh: z.string().regex(HEX, 'must be hexadecimal'),
  from_ton: fromTon.optional(),
  from_npi: fromNpi.optional(),
});

export const mediaSendSchema = common.extend({
  type: z.literal('mt_media'),
  body: mediaBodySchema,
  parameters: parameters.optional(),
  strict_validation: z.boolean().optional(),
});

export type TextSend = z.infer<typeof textSendSchema>;
export type BinarySend = z.infer<typeof binarySendSchema>;
export type MediaSend = z.infer<typeof mediaSendSchema>;
/** A valid send of any type, `type` always set. */
export type BatchSend =
  | (TextSend & { type: 'mt_text' })
  | (BinarySend & { type: 'mt_binary' })
  | (MediaSend & { type: 'mt_media' });
export type BatchType = BatchSend['type'];

export const BATCH_TYPES = ['mt_text', 'mt_binary', 'mt_media'] as const;

export function sendSchemaFor(type: BatchType) {
  if (type === 'mt_binary') return binarySendSchema;
  if (type === 'mt_media') return mediaSendSchema;
  return textSendSchema;
}

/** `POST /batches/{id}`: every field optional, recipients changed through `to_add` / `to_remove`. */
export const batchUpdateSchema = z.object({
  type: z.enum(BATCH_TYPES).optional(),
  to_add: z.array(z.string().min(1)).max(1000).optional(),
  to_remove: z.array(z.string().min(1)).max(1000).optional(),
  from: z.string().min(1).optional(),
  body: z.union([z.string(), mediaBodySchema]).optional(),
  udh: z.string().optional(),
  delivery_report: deliveryReportTypeSchema.optional(),
  send_at: z.string().optional(),
  expire_at: z.string().optional(),
  callback_url: z.string().optional(),
  client_reference: z.string().optional(),
  feedback_enabled: z.boolean().optional(),
  parameters: parameters.optional(),
  from_ton: fromTon.optional(),
  from_npi: fromNpi.optional(),
  max_number_of_message_parts: z.number().int().min(1).optional(),
  truncate_concat: z.boolean().optional(),
  flash_message: z.boolean().optional(),
  strict_validation: z.boolean().optional(),
});
export type BatchUpdate = z.infer<typeof batchUpdateSchema>;

/** `POST /batches/{id}/delivery_feedback`. */
export const deliveryFeedbackSchema = z.object({ recipients: z.array(z.string().min(1)).max(1000) });
