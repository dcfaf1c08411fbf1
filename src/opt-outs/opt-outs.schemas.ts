import { z } from 'zod';
import { msisdnInput } from '../core/msisdn';
import { paginationQuery } from '../core/pagination';

/** GET /opt-outs: the page and nothing else. */
export const listOptOutsQuery = z.strictObject(paginationQuery);

/** DELETE /opt-outs/{number}. */
export const optOutNumberParam = z.object({
  number: msisdnInput.meta({
    description: 'The number, in E.164 (URL-encode the +: %2B15551234567) or as its digits.',
    example: '15551234567',
  }),
});

export const optOutSchema = z
  .object({
    number: z.string().meta({ example: '+15551234567' }),
    source: z.string().meta({
      description:
        'keyword (the recipient texted STOP or the like), delivery_code (Sinch reported an opted-out ' +
        'code), operator.',
    }),
    reason: z.string().meta({ description: 'The keyword or code that opted the number out, in words.' }),
    reference: z
      .string()
      .nullable()
      .meta({ description: 'The inbound message id or batch id it came from.' }),
    createdAt: z.string().meta({ description: 'When the number opted out.' }),
    updatedAt: z.string(),
  })
  .meta({
    id: 'OptOut',
    example: {
      number: '+15551234567',
      source: 'keyword',
      reason: 'STOP',
      reference: '01JDQ4INBOUND0000000000001',
      createdAt: '2026-11-28T10:05:00.000Z',
      updatedAt: '2026-11-28T10:05:00.000Z',
    },
  });

export const optOutPageSchema = z
  .object({
    optOuts: z.array(optOutSchema).meta({ description: 'Newest first.' }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'OptOutPage' });
