import { z } from 'zod';

/**
 * Schemas of everything Sinch posts to the callback URL (docs/sinch-sms-api.md §3 and §7).
 * Parsing is tolerant on purpose: Sinch drops a callback for good when we answer 4xx,
 * so unknown fields are kept and unknown status strings pass through.
 */

/**
 * An identifier or short value as it will be stored: bounded to its column, without NUL (PostgreSQL
 * refuses it). A callback breaking this is kept as invalid rather than failing the database forever.
 */
const stored = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/**
 * An optional field: `null` means absent, as in the Python SDK's models and Sinch's own examples
 * (field notes §10). The output is `undefined` for both, so nothing further down sees a `null`.
 */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

/** An optional identifier whose empty string means nothing (no reference, no operator): absent. */
const optionalStored = (max: number) =>
  z.preprocess((value) => (value === null || value === '' ? undefined : value), stored(max).optional());

/** An optional timestamp, kept as text: core/timestamps.ts reads every form Sinch writes, and drops the rest. */
const timestamp = optional(z.string());

/** Counts and codes: integers in every SDK, but Sinch's own examples write some as strings (`"20000"`). */
const integer = z.union([
  z.number().int(),
  z
    .string()
    .trim()
    .regex(/^-?\d{1,15}$/)
    .transform(Number),
]);

/**
 * A delivery code as it is stored: a 32-bit integer (PostgreSQL's `integer`). Sinch's codes are small;
 * a larger one is kept as invalid, the same on both databases, rather than failing PostgreSQL forever.
 */
const storedCode = integer.pipe(z.number().int().min(-2_147_483_648).max(2_147_483_647));

export const recipientDeliveryReportSchema = z.looseObject({
  type: z.enum(['recipient_delivery_report_sms', 'recipient_delivery_report_mms']),
  batch_id: stored(64),
  recipient: stored(32),
  code: storedCode,
  status: stored(32),
  at: timestamp,
  operator_status_at: timestamp,
  client_reference: optionalStored(2048),
  applied_originator: optional(z.string()),
  encoding: optional(z.string()),
  number_of_message_parts: optional(integer),
  operator: optional(z.string()),
});
export type RecipientDeliveryReport = z.infer<typeof recipientDeliveryReportSchema>;

export function isRecipientReport(
  report: RecipientDeliveryReport | BatchDeliveryReport,
): report is RecipientDeliveryReport {
  return report.type === 'recipient_delivery_report_sms' || report.type === 'recipient_delivery_report_mms';
}

export const batchDeliveryReportSchema = z.looseObject({
  type: z.enum(['delivery_report_sms', 'delivery_report_mms']),
  batch_id: stored(64),
  total_message_count: optional(integer),
  statuses: z.array(
    z.looseObject({
      code: storedCode,
      status: stored(32),
      count: integer,
      // Present only when the batch asked for `full` reports.
      recipients: optional(z.array(stored(32))),
    }),
  ),
  client_reference: optionalStored(2048),
});
export type BatchDeliveryReport = z.infer<typeof batchDeliveryReportSchema>;

export const inboundMessageSchema = z.looseObject({
  type: z.enum(['mo_text', 'mo_binary', 'mo_media']),
  id: stored(64),
  from: stored(64),
  to: stored(64),
  body: z.unknown().optional(),
  received_at: timestamp,
  // The SDKs say `sent_at`; one version of the docs says `send_at`. Both are read.
  sent_at: timestamp,
  send_at: timestamp,
  operator_id: optionalStored(32),
  client_reference: optionalStored(2048),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const sinchCallbackSchema = z.discriminatedUnion('type', [
  recipientDeliveryReportSchema,
  batchDeliveryReportSchema,
  inboundMessageSchema,
]);
export type SinchCallback = z.infer<typeof sinchCallbackSchema>;

export const KNOWN_CALLBACK_TYPES: ReadonlySet<string> = new Set([
  ...recipientDeliveryReportSchema.shape.type.options,
  ...batchDeliveryReportSchema.shape.type.options,
  ...inboundMessageSchema.shape.type.options,
]);

/** Sinch's simplified statuses (§4a); every one but Queued and Dispatched is final. */
export const DELIVERY_STATUSES = [
  'Queued',
  'Dispatched',
  'Aborted',
  'Cancelled',
  'Rejected',
  'Deleted',
  'Delivered',
  'Failed',
  'Expired',
  'Unknown',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const byLowerCase = new Map<string, DeliveryStatus>(DELIVERY_STATUSES.map((s) => [s.toLowerCase(), s]));

/** Sinch's Title-case spelling for a status in any case; unknown strings come back unchanged. */
export function canonicalStatus(status: string): string {
  return byLowerCase.get(status.trim().toLowerCase()) ?? status.trim();
}
