import { z } from 'zod';
import { msisdnInput } from '../core/msisdn';
import { paginationQuery } from '../core/pagination';
import { DELIVERY_STATUSES } from '../sinch/callbacks.schemas';
import { SEND_STATUS } from '../tracking';

/** Every status a recipient can have, by its lower-case spelling, so `?status=delivered` works too. */
const KNOWN_STATUSES = new Map(
  [...Object.values(SEND_STATUS), ...DELIVERY_STATUSES].map((status) => [status.toLowerCase(), status]),
);

const status = z.string().transform((raw, ctx) => {
  const known = KNOWN_STATUSES.get(raw.trim().toLowerCase());
  if (!known) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${[...KNOWN_STATUSES.values()].join(', ')}` });
    return z.NEVER;
  }
  return known;
});

// A query string turns `+` into a space; normalising drops spaces and the `+` alike.
const recipient = msisdnInput;

// Compared as text with created_at, so every instant is rewritten in the same toISOString form.
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: 'must be an ISO 8601 date-time such as 2026-11-28T10:00:00Z',
  })
  .transform((value) => new Date(value).toISOString());

/** GET /messages: unknown parameters are refused, so a misspelt filter cannot silently match everything. */
export const listMessagesQuery = z
  .strictObject({
    ...paginationQuery,
    status: status.optional().meta({
      description: `Only messages with a recipient in this status, in any case: ${[...KNOWN_STATUSES.values()].join(', ')}.`,
      example: 'Delivered',
    }),
    recipient: recipient
      .optional()
      .meta({ description: 'Only messages to this number (E.164, or its digits).', example: '+15551234567' }),
    since: instant.optional().meta({
      description: 'Only messages stored at or after this instant (ISO 8601 date-time or date).',
      example: '2026-11-28T10:00:00Z',
    }),
    until: instant.optional().meta({ description: 'Only messages stored before this instant.' }),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, {
    path: ['until'],
    message: 'must be after since',
  });

export type ListMessagesQuery = z.infer<typeof listMessagesQuery>;
