import { z } from 'zod';
import { DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS } from './endpoint-secrets';
import { EVENT_TYPES } from './events.schemas';

/** Requests and answers of /event-endpoints and /events. */

export const createEndpointBody = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
    eventTypes: z
      .array(z.enum(EVENT_TYPES))
      .min(1)
      .optional()
      .meta({ description: 'Only these event types; every type when left out.' }),
    description: z.string().max(200).optional(),
  })
  .meta({
    id: 'CreateEventEndpoint',
    example: { url: 'https://app.example.com/sms-events', eventTypes: ['message.status_changed'] },
  });

export const endpointIdParam = z.object({
  id: z.string().meta({ description: 'The endpoint id.', example: 'ep_0193a1b2c3d4' }),
});

export const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()).nullable().meta({ description: 'null: every type.' }),
    description: z.string().nullable(),
    source: z.enum(['api', 'config']).meta({ description: 'config: from EVENT_WEBHOOK_URLS.' }),
    failingSince: z.string().nullable(),
    pausedAt: z.string().nullable().meta({ description: 'Set while paused: nothing is delivered.' }),
    previousSecretExpiresAt: z.string().nullable().meta({
      description:
        'After a rotation: until when the replaced secret still signs beside the new one; null when only the current secret signs.',
    }),
    createdAt: z.string(),
  })
  .meta({ id: 'EventEndpoint' });

export const createdEndpointSchema = endpointSchema
  .extend({
    secret: z.string().meta({
      description: 'The whsec_ secret events to this endpoint are signed with. Shown this once only.',
    }),
  })
  .meta({ id: 'CreatedEventEndpoint' });

export const rotateSecretBody = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_OVERLAP_SECONDS)
      .default(DEFAULT_OVERLAP_SECONDS)
      .meta({
        description: `How long the replaced secret still signs beside the new one (${DEFAULT_OVERLAP_SECONDS} when left out); 0 drops it, and any secret an earlier rotation replaced, at once.`,
      }),
  })
  .meta({ id: 'RotateEventEndpointSecret', example: { overlapSeconds: 3600 } });

export const endpointListSchema = z
  .object({ data: z.array(endpointSchema) })
  .meta({ id: 'EventEndpointList' });

export const listEventsQuery = z.strictObject({
  messageId: z.string().max(64).optional().meta({ description: 'Events of this message only.' }),
  status: z
    .enum(['pending', 'delivered', 'failed'])
    .optional()
    .meta({ description: 'Events with at least one delivery in this state.' }),
  type: z.enum(EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const attemptSchema = z.object({
  at: z.string(),
  statusCode: z
    .number()
    .int()
    .nullable()
    .meta({ description: "The endpoint's HTTP status; null: no answer." }),
  error: z.string().nullable(),
  durationMs: z.number().int(),
});

const deliverySchema = z.object({
  endpointId: z.string().meta({ description: 'An endpoint id, or `message` for the statusCallbackUrl.' }),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.array(attemptSchema),
  nextAttemptAt: z.string().nullable(),
});

export const eventViewSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    messageId: z.string().nullable(),
    createdAt: z.string(),
    payload: z.unknown().meta({ description: 'The body as sent.' }),
    deliveries: z.array(deliverySchema),
  })
  .meta({ id: 'EventView' });

export const eventListSchema = z.object({ data: z.array(eventViewSchema) }).meta({ id: 'EventList' });

export const eventIdParam = z.object({
  id: z.string().meta({ example: 'evt_0193a1b2c3d47000a1b2c3d4e5f60718' }),
});

export const redeliveredSchema = z
  .object({
    id: z.string(),
    deliveries: z.number().int().meta({
      description:
        'Deliveries queued again, with those an endpoint that is behind has still to queue (an event just written, not yet queued anywhere, counts 0 and is sent as any new event).',
    }),
  })
  .meta({ id: 'EventRedelivered' });
