import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { healthSchema, livenessSchema, readinessSchema } from '../health/health.schemas';
import { errorBodySchema, fieldProblemSchema } from '../http/error.schemas';
import {
  batchDeliveryReportSchema,
  inboundMessageSchema,
  recipientDeliveryReportSchema,
} from '../sinch/callbacks.schemas';
import { SIGNATURE_HEADERS } from '../sinch/signing';
import { errorResponses, SERVER_CODES } from './openapi.errors';
import { eventPaths, eventWebhooks } from './openapi.event-paths';
import { apiPaths } from './openapi.paths';

/** Kept equal to package.json's version by test/openapi.document.test.ts. */
export const API_VERSION = '0.1.0';

const callbackExample = {
  type: 'recipient_delivery_report_sms',
  batch_id: '01JDQ3M1D0SINCHBATCH00001',
  recipient: '15551234567',
  code: 0,
  status: 'Delivered',
  at: '2026-11-28T10:00:01.200Z',
  operator_status_at: '2026-11-28T10:00:01.100Z',
  client_reference: 'order-42',
};

/** The union the callback writer parses, its members named so the reference shows each of them. */
const callbackBody = z
  .discriminatedUnion('type', [
    recipientDeliveryReportSchema.meta({
      id: 'RecipientDeliveryReport',
      description: 'One recipient’s status changed (per_recipient or per_recipient_final reports).',
    }),
    batchDeliveryReportSchema.meta({
      id: 'BatchDeliveryReport',
      description: 'Counts per status and code for a whole batch (summary or full reports).',
    }),
    inboundMessageSchema.meta({
      id: 'InboundMessage',
      description: 'A text sent to our number: STOP, START and the like change the opt-out list.',
    }),
  ])
  .meta({ id: 'SinchCallback' });

const text = (description: string, example?: string) => ({
  description,
  content: { 'text/plain': { schema: z.string().meta(example ? { example } : {}) } },
});

/** Routes that take no API key: Sinch's callbacks, and what probes and scrapers read. */
const operationalPaths: ZodOpenApiPathsObject = {
  '/webhooks/dlr': {
    post: {
      operationId: 'receiveSinchCallback',
      tags: ['Callbacks'],
      summary: 'Where Sinch posts delivery reports and inbound messages',
      description:
        'Set this URL as the callback URL of the Sinch service plan (each batch also carries it). Every ' +
        'callback is stored before it is answered; a 503 makes Sinch retry. Sinch signs the body with ' +
        'HMAC-SHA256 (x-sinch-webhook-signature and its nonce and timestamp headers), or sends Basic ' +
        'credentials, as the account is set up. A JSON object of an unknown type, or of a known type that ' +
        'does not fit its schema, is stored and answered 200. Only what can never be valid is refused: a ' +
        'body that is not a JSON object, nested deeper than JSON_MAX_DEPTH or naming more than 1,000 ' +
        'recipients (400), or over CALLBACK_MAX_BODY_KB (413).',
      security: [{ sinchSignature: [] }, { sinchBasic: [] }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: callbackBody, example: callbackExample } },
      },
      responses: {
        '200': text('Stored (and applied, when it could be).', 'OK'),
        ...errorResponses([
          'INVALID_JSON',
          'VALIDATION_FAILED',
          // Nested deeper than JSON_MAX_DEPTH, or more recipients than a batch holds.
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'PAYLOAD_TOO_LARGE',
          // A Content-Encoding the body parser cannot undo: no retry can make those bytes readable.
          'UNSUPPORTED_MEDIA_TYPE',
          // A body that cannot be read at all (it ends before its Content-Length, say).
          'BAD_REQUEST',
          'RATE_LIMITED',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/health': {
    get: {
      operationId: 'health',
      tags: ['Operations'],
      summary: 'Database and sending state',
      security: [],
      responses: {
        '200': { description: 'Up.', content: { 'application/json': { schema: healthSchema } } },
        '503': {
          description: 'The database is down.',
          content: { 'application/json': { schema: healthSchema } },
        },
      },
    },
  },
  '/health/live': {
    get: {
      operationId: 'liveness',
      tags: ['Operations'],
      summary: 'The process answers',
      security: [],
      responses: {
        '200': { description: 'Alive.', content: { 'application/json': { schema: livenessSchema } } },
      },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'readiness',
      tags: ['Operations'],
      summary: 'Ready for traffic: the database answers and no shutdown has begun',
      security: [],
      responses: {
        '200': { description: 'Ready.', content: { 'application/json': { schema: readinessSchema } } },
        '503': { description: 'Not ready.', content: { 'application/json': { schema: readinessSchema } } },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics, for a scraper on the internal network',
      security: [],
      responses: { '200': text('Prometheus text exposition format.') },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openApiDocument',
      tags: ['Operations'],
      summary: 'This document',
      security: [],
      responses: {
        '200': {
          description: 'The OpenAPI 3.1 document.',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    },
  },
};

let built: ReturnType<typeof createDocument> | undefined;

/**
 * The document with an absolute server URL, as Postman's import and client generators need (a relative
 * `/` leaves them without a host).
 */
export function openApiDocumentFor(serverUrl: string): ReturnType<typeof createDocument> {
  return {
    ...openApiDocument(),
    servers: [{ url: serverUrl.replace(/\/+$/, ''), description: 'This service' }],
  };
}

/** The OpenAPI 3.1 document of the service, built once from the zod schemas the routes validate with. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  built ??= createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sinch SMS delivery tracking',
      version: API_VERSION,
      description:
        'Sends SMS through the Sinch batches API and tracks what became of each recipient from Sinch’s ' +
        'delivery reports. Every error answer has one shape (Error), its `code` one of a closed set. ' +
        'Authenticate with an API key, as a Bearer token or in X-API-Key (when the service has no ' +
        'API_KEYS configured, every request passes).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'This service' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [
      { name: 'Sending' },
      { name: 'Messages' },
      { name: 'Opt-outs' },
      { name: 'Events', description: 'Events pushed to your application (docs/events.md).' },
      { name: 'Callbacks', description: 'What Sinch posts to the service.' },
      { name: 'Operations' },
    ],
    paths: { ...apiPaths, ...eventPaths, ...operationalPaths },
    webhooks: eventWebhooks,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        sinchSignature: {
          type: 'apiKey',
          in: 'header',
          name: SIGNATURE_HEADERS.signature,
          description:
            'HMAC-SHA256 over the body, nonce and timestamp, with the webhook secret (SINCH_WEBHOOK_SECRET).',
        },
        sinchBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'The callback credentials configured at Sinch.',
        },
      },
      schemas: {
        Error: errorBodySchema,
        FieldProblem: fieldProblemSchema,
      },
    },
  });
  return built;
}
