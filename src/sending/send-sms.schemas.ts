import { z } from 'zod';
import { normalizeMsisdn } from '../core/msisdn';
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
  }));

/** `?dryRun=true` prices a send without making it; any other spelling is refused, never sent for real. */
export const sendSmsQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
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
