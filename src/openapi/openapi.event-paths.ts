import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { eventSchema } from '../events/events.schemas';
import {
  createdEndpointSchema,
  createEndpointBody,
  endpointIdParam,
  endpointListSchema,
  endpointSchema,
  eventIdParam,
  eventListSchema,
  listEventsQuery,
  redeliveredSchema,
  rotateSecretBody,
} from '../events/events-api.schemas';
import { errorResponses, SERVER_CODES } from './openapi.errors';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const tags = ['Events'];

/** /event-endpoints and /events: where events go, and what became of each. */
export const eventPaths: ZodOpenApiPathsObject = {
  '/event-endpoints': {
    post: {
      operationId: 'createEventEndpoint',
      tags,
      summary: 'Register a URL that receives events',
      description:
        'https only, and not an address inside the service’s network, unless the service allows them. ' +
        'The answer holds the endpoint’s whsec_ secret, shown this once.',
      requestBody: { required: true, ...json(createEndpointBody) },
      responses: {
        '201': { description: 'Registered.', ...json(createdEndpointSchema) },
        ...errorResponses([
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          ...SERVER_CODES,
        ]),
      },
    },
    get: {
      operationId: 'listEventEndpoints',
      tags,
      summary: 'Every endpoint, those of EVENT_WEBHOOK_URLS included',
      responses: {
        '200': { description: 'The endpoints.', ...json(endpointListSchema) },
        ...errorResponses(['UNAUTHORIZED', ...SERVER_CODES]),
      },
    },
  },
  '/event-endpoints/{id}': {
    get: {
      operationId: 'getEventEndpoint',
      tags,
      summary: 'One endpoint',
      requestParams: { path: endpointIdParam },
      responses: {
        '200': { description: 'The endpoint.', ...json(endpointSchema) },
        // BAD_REQUEST: an id that is not validly percent-encoded (`%ff`).
        ...errorResponses(['BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', ...SERVER_CODES]),
      },
    },
    delete: {
      operationId: 'deleteEventEndpoint',
      tags,
      summary: 'Remove an endpoint; what was pending for it is given up',
      requestParams: { path: endpointIdParam },
      responses: {
        '204': { description: 'Removed.' },
        ...errorResponses(['BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', ...SERVER_CODES]),
      },
    },
  },
  '/event-endpoints/{id}/resume': {
    post: {
      operationId: 'resumeEventEndpoint',
      tags,
      summary: 'Resume a paused endpoint: its pending events are sent at once',
      requestParams: { path: endpointIdParam },
      responses: {
        '200': { description: 'The endpoint, resumed.', ...json(endpointSchema) },
        ...errorResponses(['UNAUTHORIZED', 'NOT_FOUND', ...SERVER_CODES]),
      },
    },
  },
  '/event-endpoints/{id}/rotate-secret': {
    post: {
      operationId: 'rotateEventEndpointSecret',
      tags,
      summary: 'Give an endpoint a new secret; the old one signs too for an overlap',
      description:
        'The answer holds the new whsec_ secret, shown this once. Until `previousSecretExpiresAt` every ' +
        'event carries a signature by each secret (space-separated in webhook-signature), so a receiver ' +
        'with either accepts it; then only the new one signs. `overlapSeconds: 0` drops the old at once. ' +
        'Endpoints of EVENT_WEBHOOK_URLS are rotated through EVENT_WEBHOOK_SECRET instead (400).',
      requestParams: { path: endpointIdParam },
      requestBody: { required: false, ...json(rotateSecretBody) },
      responses: {
        '200': { description: 'Rotated.', ...json(createdEndpointSchema) },
        ...errorResponses([
          'VALIDATION_FAILED',
          'INVALID_JSON',
          'BAD_REQUEST',
          'UNAUTHORIZED',
          'NOT_FOUND',
          'UNSUPPORTED_MEDIA_TYPE',
          'PAYLOAD_TOO_LARGE',
          ...SERVER_CODES,
        ]),
      },
    },
  },
  '/events': {
    get: {
      operationId: 'listEvents',
      tags,
      summary: 'Events, newest first, with every delivery attempt',
      requestParams: { query: listEventsQuery },
      responses: {
        '200': { description: 'The events.', ...json(eventListSchema) },
        ...errorResponses(['VALIDATION_FAILED', 'BAD_REQUEST', 'UNAUTHORIZED', ...SERVER_CODES]),
      },
    },
  },
  '/events/{id}/redeliver': {
    post: {
      operationId: 'redeliverEvent',
      tags,
      summary: 'Send an event again to every endpoint it went to',
      requestParams: { path: eventIdParam },
      responses: {
        '202': { description: 'Queued again.', ...json(redeliveredSchema) },
        ...errorResponses(['UNAUTHORIZED', 'NOT_FOUND', ...SERVER_CODES]),
      },
    },
  },
};

/** What the service POSTs to an endpoint (OpenAPI 3.1 `webhooks`). */
export const eventWebhooks: ZodOpenApiPathsObject = {
  event: {
    post: {
      operationId: 'receiveEvent',
      tags,
      summary: 'An event, as your endpoint receives it',
      description:
        'Signed per Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature headers. ' +
        'Answer 2xx; a timeout, 429 or 5xx is retried with back-off, any other answer gives it up.',
      requestParams: {
        header: z.object({
          'webhook-id': z.string(),
          'webhook-timestamp': z.string(),
          'webhook-signature': z.string(),
        }),
      },
      requestBody: { required: true, ...json(eventSchema) },
      responses: { '200': { description: 'Taken.' } },
    },
  },
};
