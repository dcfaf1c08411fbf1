import { z } from 'zod';
import { BATCH_LIMITS } from '../sinch/batches.schemas';

/** E.164: a plus, a non-zero digit, at most 15 digits in all. */
export const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 number such as +15551234567');

export const sendSmsBodySchema = z.strictObject({
  to: e164,
  message: z
    .string()
    .refine((text) => text.trim().length > 0, 'must not be empty')
    // Sinch counts characters, not UTF-16 code units.
    .refine(
      (text) => [...text].length <= BATCH_LIMITS.maxBodyChars,
      `must be at most ${BATCH_LIMITS.maxBodyChars} characters`,
    ),
  clientReference: z.string().min(1).max(BATCH_LIMITS.maxClientReferenceChars).optional(),
});
export type SendSmsBody = z.infer<typeof sendSmsBodySchema>;
