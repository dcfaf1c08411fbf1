import { z } from 'zod';
import type { ErrorCode } from '../core/errors';

/** Every code of the error envelope, as a value (ErrorCode is a type); the check below keeps them equal. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'BAD_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNAUTHORIZED',
  'FORBIDDEN_DESTINATION',
  'RATE_LIMITED',
  'IDEMPOTENCY_KEY_IN_USE',
  'OPTED_OUT',
  'NOT_CANCELLABLE',
  'IDEMPOTENCY_KEY_REUSED',
  'DESTINATION_RATE_LIMITED',
  'DAILY_CAP_REACHED',
  'KEY_DAILY_CAP_REACHED',
  'SINCH_REJECTED',
  'SINCH_UNAVAILABLE',
  'SINCH_TIMEOUT',
  'STORAGE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const satisfies readonly ErrorCode[];

// Fails to compile when ErrorCode gains a code this list lacks.
const everyCodeListed: [Exclude<ErrorCode, (typeof ERROR_CODES)[number]>] extends [never] ? true : false =
  true;
void everyCodeListed;

/** A field and what is wrong with it, as VALIDATION_FAILED lists them in `details`. */
export const fieldProblemSchema = z.object({ field: z.string(), problem: z.string() }).meta({
  id: 'FieldProblem',
  example: { field: 'to', problem: 'must be an E.164 number such as +15551234567' },
});

/** The one JSON shape of every error response (http/error-handler.ts writes it). */
export const errorBodySchema = z
  .object({
    error: z.string().meta({ description: 'What went wrong, for a person.' }),
    code: z.enum(ERROR_CODES).meta({ description: 'What went wrong, for a program: one of a closed set.' }),
    requestId: z.string().meta({ description: 'The id of the request in the service log (X-Request-Id).' }),
    details: z
      .unknown()
      .optional()
      .meta({
        description:
          'More about the error when there is more: a list of field problems for VALIDATION_FAILED, ' +
          "Sinch's answer for SINCH_* codes.",
      }),
  })
  .meta({
    id: 'Error',
    description: 'Every error answer of the service has this shape.',
    example: {
      error: 'Invalid request body: to must be an E.164 number such as +15551234567.',
      code: 'VALIDATION_FAILED',
      requestId: '5f0c2a8e-0d4b-4a3e-9d57-6c1b9f2e8a10',
      details: [{ field: 'to', problem: 'must be an E.164 number such as +15551234567' }],
    },
  });
