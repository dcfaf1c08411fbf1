import { z } from 'zod';
import { MAX_BATCH_EXPIRY_MS } from '../core/batch-window';

/** Limits of the batches API (docs/sinch-sms-api.md §2). */
export const BATCH_LIMITS = {
  maxRecipients: 1000,
  maxBodyChars: 2000,
  maxClientReferenceChars: 128,
  maxCallbackUrlChars: 2048,
  /** Delivery attempts stop at most (and by default) three days after the send time. */
  maxExpiryMs: MAX_BATCH_EXPIRY_MS,
} as const;

/** What a batch may ask Sinch to report (sinch-sms-api.md §3). */
export const DELIVERY_REPORT_TYPES = [
  'none',
  'summary',
  'full',
  'per_recipient',
  'per_recipient_final',
] as const;

export const deliveryReportTypeSchema = z.enum(DELIVERY_REPORT_TYPES);

/** Body of `POST /xms/v1/{plan}/batches` for an `mt_text` batch, as far as we use it. */
export const textBatchRequestSchema = z.object({
  to: z.array(z.string().min(1)).min(1).max(BATCH_LIMITS.maxRecipients),
  from: z.string().min(1).optional(),
  body: z.string().min(1).max(BATCH_LIMITS.maxBodyChars),
  type: z.literal('mt_text').optional(),
  delivery_report: deliveryReportTypeSchema.optional(),
  callback_url: z.string().max(BATCH_LIMITS.maxCallbackUrlChars).optional(),
  client_reference: z.string().max(BATCH_LIMITS.maxClientReferenceChars).optional(),
  send_at: z.string().optional(),
  expire_at: z.string().optional(),
  max_number_of_message_parts: z.number().int().min(1).optional(),
});
export type TextBatchRequest = z.infer<typeof textBatchRequestSchema>;

/** Optional in Sinch's contract: `null` there means absent, so it never fails a response. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

/**
 * The batch object Sinch answers with (201 on create, 200 on get/cancel), of any type: `mt_text` has a
 * string `body`, `mt_binary` a base64 one with `udh`, `mt_media` an object `{ url, message?, subject? }`.
 * Only `id` is required; unknown fields are kept.
 */
export const batchSchema = z.looseObject({
  id: z.string().min(1),
  to: optional(z.array(z.string())),
  from: optional(z.string()),
  body: optional(z.union([z.string(), z.looseObject({})])),
  type: optional(z.string()),
  canceled: optional(z.boolean()),
  created_at: optional(z.string()),
  modified_at: optional(z.string()),
  delivery_report: optional(z.string()),
  send_at: optional(z.string()),
  expire_at: optional(z.string()),
  callback_url: optional(z.string()),
  client_reference: optional(z.string()),
});
export type Batch = z.infer<typeof batchSchema>;

/**
 * Sinch documents two error envelopes: `{code, text}` (SDKs, older docs) and
 * `{error: {code, message, status}}` (the current status-codes page). Both are read.
 */
export const sinchErrorSchema = z.looseObject({ code: z.string(), text: z.string().optional() });
export const sinchNestedErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), z.string()]).optional(),
    message: z.string().optional(),
    status: z.string().optional(),
  }),
});

/** `GET /batches` page (batches created in the last 14 days, newest first); the paging fields are optional. */
export const batchListSchema = z.looseObject({
  page: optional(z.number().int()),
  page_size: optional(z.number().int()),
  count: optional(z.number().int()),
  batches: optional(z.array(batchSchema)).transform((batches) => batches ?? []),
});
export type BatchList = z.infer<typeof batchListSchema>;
