import type { ZodOpenApiResponsesObject } from 'zod-openapi';
import { type ErrorCode, statusForCode } from '../core/errors';

/** What each code means to a caller, shown in the reference beside the status it comes with. */
const MEANING: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'a field is missing or wrong; details lists each field and its problem',
  INVALID_JSON: 'the body is not valid JSON',
  BAD_REQUEST: 'the request could not be read (a corrupt body or URL)',
  UNSUPPORTED_MEDIA_TYPE:
    'the body is not application/json, or its charset or content encoding is not supported',
  PAYLOAD_TOO_LARGE: 'the body is over the size limit',
  NOT_FOUND: 'no such resource',
  METHOD_NOT_ALLOWED: 'the path exists but not with this method; the Allow header lists its methods',
  UNAUTHORIZED: 'no valid credentials were sent',
  FORBIDDEN_DESTINATION: 'the number is outside the allowed destination prefixes',
  RATE_LIMITED: 'too many requests a minute from this key or address; see Retry-After',
  IDEMPOTENCY_KEY_IN_USE: 'a request with this Idempotency-Key is still running',
  OPTED_OUT: 'every recipient has opted out (STOP)',
  NOT_CANCELLABLE: 'the message has no Sinch batch to cancel',
  IDEMPOTENCY_KEY_REUSED: 'the Idempotency-Key was used before with a different body',
  DESTINATION_RATE_LIMITED: 'a number got its hourly maximum of SMS parts; see Retry-After',
  DAILY_CAP_REACHED: "the service's daily cap of SMS parts is reached; see Retry-After",
  KEY_DAILY_CAP_REACHED:
    "this API key's daily cap of SMS parts is reached; other keys still send; see Retry-After",
  SINCH_REJECTED: 'Sinch refused the request; details carries its answer',
  SINCH_UNAVAILABLE: 'Sinch could not be reached or failed',
  SINCH_TIMEOUT:
    'Sinch did not answer in time; the send may still have happened, retry with the same Idempotency-Key',
  STORAGE_UNAVAILABLE: 'the database is unavailable; try again shortly',
  INTERNAL_ERROR: 'a fault on our side',
};

/** Codes any route can answer with: its own fault, and the database's. */
export const SERVER_CODES: ErrorCode[] = ['STORAGE_UNAVAILABLE', 'INTERNAL_ERROR'];

/**
 * The error responses of a route, one per status, each the one error shape with `code` narrowed to
 * the codes the route answers with at that status (so the contract test catches an undeclared code).
 */
export function errorResponses(codes: ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = statusForCode(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: list.map((code) => `${code}: ${MEANING[code]}.`).join(' '),
      ...(status === 429 || status === 503
        ? {
            headers: {
              'Retry-After': {
                description: 'Seconds until trying again can work, when the service knows.',
                schema: { type: 'string' },
              },
            },
          }
        : {}),
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: list } } }],
          },
        },
      },
    };
  }
  return responses;
}
