import { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
import { ERROR_CODES } from '../http/error.schemas';
import { BATCH_LIMITS } from '../sinch/batches.schemas';

/** E.164: a plus, a non-zero digit, at most 15 digits in all. */
export const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number such as +15551234567');

const timestamp = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time such as 2026-12-01T09:00:00Z',
});

export const sendSmsBodySchema = z
  .strictObject({
    // One number, or up to 1,000 for one batch; duplicates (in any notation) are sent once.
    to: z.union([
      e164,
      z
        .array(e164)
        .min(1, 'must list at least one number')
        .max(
          BATCH_LIMITS.maxRecipients,
          `must list at most ${BATCH_LIMITS.maxRecipients.toLocaleString('en-US')} recipients`,
        ),
    ]),
    message: z
      .string()
      // PostgreSQL cannot store NUL, and no handset shows it.
      .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters')
      .refine((text) => text.trim().length > 0, 'must not be empty')
      // Sinch counts characters, not UTF-16 code units.
      .refine(
        (text) => [...text].length <= BATCH_LIMITS.maxBodyChars,
        `must be at most ${BATCH_LIMITS.maxBodyChars} characters`,
      ),
    clientReference: z
      .string()
      .min(1)
      .max(BATCH_LIMITS.maxClientReferenceChars)
      .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters')
      .optional(),
    sendAt: timestamp.optional(),
    expireAt: timestamp.optional(),
    statusCallbackUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048)
      .optional()
      .meta({
        description:
          "Receives this message's events (signed like every event, see docs/events.md): https, and not " +
          'an internal address, unless the service allows them.',
        example: 'https://app.example.com/sms-events',
      }),
  })
  .superRefine((body, ctx) => {
    if (body.expireAt === undefined) return;
    const start = body.sendAt === undefined ? Date.now() : Date.parse(body.sendAt);
    const end = Date.parse(body.expireAt);
    if (end <= start) {
      ctx.addIssue({ code: 'custom', path: ['expireAt'], message: 'must be after sendAt (or now)' });
    } else if (end - start > BATCH_LIMITS.maxExpiryMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['expireAt'],
        message: 'must be at most 3 days after sendAt (or now)',
      });
    }
  })
  .transform(({ to, ...rest }) => ({
    ...rest,
    to: uniqueNumbers(Array.isArray(to) ? to : [to]),
    bulk: Array.isArray(to),
  }))
  .meta({
    id: 'SendSmsRequest',
    description:
      'One text to one number, or to up to 1,000 numbers as one batch. A number given twice (in any ' +
      'notation) is sent once. sendAt schedules the batch; expireAt (at most 3 days after sendAt, or now) ' +
      'is when Sinch stops trying.',
    example: { to: '+15551234567', message: 'Your code is 123456', clientReference: 'order-42' },
  });

/** `?dryRun=true` prices a send without making it; any other spelling is refused, never sent for real. */
export const sendSmsQuerySchema = z.strictObject({
  dryRun: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .meta({ description: 'true: check and price the send; nothing is stored or sent.' }),
});

export type SendSmsBody = z.infer<typeof sendSmsBodySchema>;

/** Keeps the first spelling of each number; `+4612…` twice is one recipient. */
function uniqueNumbers(numbers: string[]): string[] {
  const seen = new Set<string>();
  return numbers.filter((n) => {
    const key = normalizeMsisdn(n);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const sendCost = {
  to: z.array(z.string()).meta({ description: 'The numbers the batch goes to, each once.' }),
  encoding: z.enum(['GSM', 'UNICODE']).meta({ description: 'How Sinch will encode the text.' }),
  parts: z.number().int().meta({ description: 'SMS parts per recipient (a long text is split).' }),
  sendAt: z.string().optional(),
  expireAt: z.string().optional(),
  skipped: z
    .array(
      z.object({
        to: z.string(),
        code: z.enum(ERROR_CODES),
        reason: z.string(),
      }),
    )
    .optional()
    .meta({
      description: 'Numbers of a bulk send that were refused (opted out, not allowed, over a limit).',
    }),
};

/** 202 of POST /send-sms: Sinch took the batch. */
export const sendSmsAcceptedSchema = z
  .object({
    message: z.string(),
    messageId: z.string().meta({ description: 'Our id of the message: GET /messages/{id}.' }),
    batchId: z.string().meta({ description: "Sinch's batch id; GET /messages/{id} takes it too." }),
    clientReference: z
      .string()
      .meta({ description: 'Echoed to every delivery report; our id unless given.' }),
    ...sendCost,
  })
  .meta({
    id: 'SendSmsAccepted',
    example: {
      message: 'SMS send request accepted by Sinch.',
      messageId: '01JDQ3M1C8G6T7Z0W9X2Y4V5B6',
      batchId: '01JDQ3M1D0SINCHBATCH00001',
      clientReference: 'order-42',
      to: ['+15551234567'],
      encoding: 'GSM',
      parts: 1,
    },
  });

/** 200 of POST /send-sms?dryRun=true: what the send would do, with nothing stored or sent. */
export const sendSmsDryRunSchema = z
  .object({
    dryRun: z.literal(true),
    ...sendCost,
    totalMessages: z.number().int().meta({ description: 'SMS parts Sinch would bill: recipients × parts.' }),
    refused: z
      .object({ code: z.enum(ERROR_CODES), error: z.string() })
      .optional()
      .meta({ description: 'Set when the send would be refused as a whole.' }),
  })
  .meta({
    id: 'SendSmsDryRun',
    example: { dryRun: true, to: ['+15551234567'], encoding: 'GSM', parts: 1, totalMessages: 1 },
  });
