import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { listMessagesQuery } from '../messages/messages.schemas';
import { messagePageSchema, messageSchema } from '../messages/messages-view.schemas';
import { listOptOutsQuery, optOutNumberParam, optOutPageSchema } from '../opt-outs/opt-outs.schemas';
import {
  sendSmsAcceptedSchema,
  sendSmsBodySchema,
  sendSmsDryRunSchema,
  sendSmsQuerySchema,
} from '../sending/send-sms.schemas';
import { statsSchema } from '../stats/stats.schemas';
import { errorResponses, SERVER_CODES } from './openapi.errors';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

const messageId = z.object({
  id: z.string().meta({
    description: 'Our message id (messageId of the send) or Sinch’s batch id.',
    example: '01JDQ3M1C8G6T7Z0W9X2Y4V5B6',
  }),
});

/** The routes of the API proper: every one takes an API key. */
export const apiPaths: ZodOpenApiPathsObject = {
  '/send-sms': {
    post: {
      operationId: 'sendSms',
      tags: ['Sending'],
      summary: 'Send an SMS to one number or a batch',
      description:
        'Stores the message, then hands it to Sinch as one batch. Each recipient’s delivery is then ' +
        'tracked from Sinch’s reports: follow it with GET /messages/{id}. With dryRun=true nothing is ' +
        'stored or sent: the answer says what the send would do and cost.',
      requestParams: {
        query: sendSmsQuerySchema,
        header: z.object({
          'Idempotency-Key': z
            .string()
            .min(1)
            .max(255)
            .optional()
            .meta({
              description:
                'Up to 255 printable ASCII characters. A retry with the same key and body gets the first ' +
                'answer and sends nothing again; kept for 24 hours by default.',
              example: 'order-42-sms-1',
            }),
        }),
      },
      requestBody: { required: true, ...json(sendSmsBodySchema) },
      responses: {
        '200': { description: 'Dry run: what the send would do.', ...json(sendSmsDryRunSchema) },
        '202': { description: 'Sinch accepted the batch.', ...json(sendSmsAcceptedSchema) },
        ...errorResponses([
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'FORBIDDEN_DESTINATION',
          'OPTED_OUT',
          'IDEMPOTENCY_KEY_IN_USE',
          'PAYLOAD_TOO_LARGE',
          'UNSUPPORTED_MEDIA_TYPE',
          'IDEMPOTENCY_KEY_REUSED',
          'RATE_LIMITED',
          'DESTINATION_RATE_LIMITED',
          'SINCH_REJECTED',
          'SINCH_UNAVAILABLE',
          'DAILY_CAP_REACHED',
          'KEY_DAILY_CAP_REACHED',
          'SINCH_TIMEOUT',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/messages': {
    get: {
      operationId: 'listMessages',
      tags: ['Messages'],
      summary: 'List messages, newest first',
      requestParams: { query: listMessagesQuery },
      responses: {
        '200': { description: 'One page of messages.', ...json(messagePageSchema) },
        ...errorResponses([
          'VALIDATION_FAILED',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'RATE_LIMITED',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/messages/{id}': {
    get: {
      operationId: 'getMessage',
      tags: ['Messages'],
      summary: 'A message, each recipient’s status and its history',
      requestParams: { path: messageId },
      responses: {
        '200': { description: 'The message.', ...json(messageSchema) },
        ...errorResponses(['BAD_REQUEST', 'UNAUTHORIZED', 'RATE_LIMITED', 'NOT_FOUND', ...SERVER_CODES]),
      },
    },
    delete: {
      operationId: 'cancelMessage',
      tags: ['Messages'],
      summary: 'Cancel what Sinch has not sent yet',
      description:
        'Asks Sinch to cancel the batch; recipients not yet dispatched become Cancelled. Repeating it is ' +
        'harmless. The answer is the message as it is afterwards.',
      requestParams: { path: messageId },
      responses: {
        '200': { description: 'The message after cancelling.', ...json(messageSchema) },
        ...errorResponses([
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'RATE_LIMITED',
          'NOT_FOUND',
          'NOT_CANCELLABLE',
          'SINCH_REJECTED',
          'SINCH_UNAVAILABLE',
          'SINCH_TIMEOUT',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/opt-outs': {
    get: {
      operationId: 'listOptOuts',
      tags: ['Opt-outs'],
      summary: 'Numbers that asked not to be messaged, newest first',
      requestParams: { query: listOptOutsQuery },
      responses: {
        '200': { description: 'One page of opt-outs.', ...json(optOutPageSchema) },
        ...errorResponses([
          'VALIDATION_FAILED',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'RATE_LIMITED',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/opt-outs/{number}': {
    delete: {
      operationId: 'removeOptOut',
      tags: ['Opt-outs'],
      summary: 'Take a number off the opt-out list',
      description: 'For an operator who has the recipient’s consent again; recorded as an opt-in.',
      requestParams: { path: optOutNumberParam },
      responses: {
        '204': { description: 'Removed.' },
        ...errorResponses([
          'VALIDATION_FAILED',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'RATE_LIMITED',
          'NOT_FOUND',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/stats': {
    get: {
      operationId: 'getStats',
      tags: ['Messages'],
      summary: 'Recipients by status and time to delivery, last hour and day',
      responses: {
        '200': { description: 'The summary.', ...json(statsSchema) },
        ...errorResponses(['UNAUTHORIZED', ...SERVER_CODES]),
      },
    },
  },
};
