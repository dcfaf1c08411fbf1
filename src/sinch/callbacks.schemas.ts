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

/** `code` is an integer in every SDK, but one documented example sends `"0"`. */
const deliveryCode = z.union([
  z.number().int(),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

export const recipientDeliveryReportSchema = z.looseObject({
  type: z.enum(['recipient_delivery_report_sms', 'recipient_delivery_report_mms']),
  batch_id: stored(64),
  recipient: stored(32),
  code: deliveryCode,
  status: stored(32),
  at: z.string().optional(),
  operator_status_at: z.string().optional(),
  client_reference: stored(2048).optional(),
  applied_originator: z.string().optional(),
  encoding: z.string().optional(),
  number_of_message_parts: z.number().optional(),
  operator: z.string().optional(),
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
  total_message_count: z.number().int().optional(),
  statuses: z.array(
    z.looseObject({
      code: deliveryCode,
      status: stored(32),
      count: z.number().int(),
      // Present only when the batch asked for `full` reports.
      recipients: z.array(stored(32)).optional(),
    }),
  ),
  client_reference: stored(2048).optional(),
});
export type BatchDeliveryReport = z.infer<typeof batchDeliveryReportSchema>;

export const inboundMessageSchema = z.looseObject({
  type: z.enum(['mo_text', 'mo_binary', 'mo_media']),
  id: stored(64),
  from: stored(64),
  to: stored(64),
  body: z.unknown().optional(),
  received_at: z.string().optional(),
  // The SDKs say `sent_at`; one version of the docs says `send_at`. Both are read.
  sent_at: z.string().optional(),
  send_at: z.string().optional(),
  operator_id: stored(32).optional(),
  client_reference: stored(2048).optional(),
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
