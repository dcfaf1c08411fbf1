import { z } from 'zod';

/** The answers of GET /health, /health/live and /health/ready. */

const updown = z.enum(['UP', 'DOWN']);
const timestamp = z.string().meta({ description: 'When the check ran, ISO 8601.' });

export const healthSchema = z
  .object({
    status: updown,
    timestamp,
    checks: z.object({
      database: updown,
      sending: z.enum(['ACTIVE', 'PAUSED', 'UNKNOWN']).meta({
        description: 'ACTIVE, or PAUSED while the daily cap is reached; UNKNOWN when the database is down.',
      }),
    }),
  })
  .meta({
    id: 'Health',
    example: {
      status: 'UP',
      timestamp: '2026-11-28T10:00:00.000Z',
      checks: { database: 'UP', sending: 'ACTIVE' },
    },
  });

export const livenessSchema = z.object({ status: z.literal('UP'), timestamp }).meta({ id: 'Liveness' });

export const readinessSchema = z
  .object({
    status: updown,
    timestamp,
    checks: z.object({ database: updown, shuttingDown: z.boolean() }),
  })
  .meta({ id: 'Readiness' });
