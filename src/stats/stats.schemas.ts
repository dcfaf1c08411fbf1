import { z } from 'zod';

const deliveryTimesSchema = z
  .object({
    count: z.number().int().meta({ description: 'Recipients delivered.' }),
    p50Ms: z.number().int().nullable().meta({ description: 'Median time to delivery; null when none.' }),
    p95Ms: z.number().int().nullable().meta({ description: '95th percentile time to delivery.' }),
  })
  .meta({
    description: "From our storing the message to Sinch's time of the Delivered report, in milliseconds.",
  });

const windowSchema = z.object({
  since: z.string().meta({ description: 'Start of the window, ISO 8601.' }),
  recipients: z.number().int().meta({ description: 'Recipients of the messages stored in the window.' }),
  byStatus: z.record(z.string(), z.number().int()).meta({
    description: 'Those recipients by their current status.',
    example: { Delivered: 41, Failed: 1 },
  }),
  timeToDelivery: deliveryTimesSchema,
});

/** GET /stats: what the console's summary shows. */
export const statsSchema = z
  .object({
    generatedAt: z.string(),
    lastHour: windowSchema,
    lastDay: windowSchema,
  })
  .meta({
    id: 'Stats',
    example: {
      generatedAt: '2026-11-28T10:00:00.000Z',
      lastHour: {
        since: '2026-11-28T09:00:00.000Z',
        recipients: 3,
        byStatus: { Delivered: 2, Failed: 1 },
        timeToDelivery: { count: 2, p50Ms: 820, p95Ms: 1430 },
      },
      lastDay: {
        since: '2026-11-27T10:00:00.000Z',
        recipients: 3,
        byStatus: { Delivered: 2, Failed: 1 },
        timeToDelivery: { count: 2, p50Ms: 820, p95Ms: 1430 },
      },
    },
  });

export type Stats = z.infer<typeof statsSchema>;
