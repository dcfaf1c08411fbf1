import { z } from 'zod';

/** A position in a list sorted newest first: the last row's created_at and its tie-breaking key. */
export type PageCursor = { createdAt: string; key: string };

/** Opaque to callers (base64url of JSON), so the sort key can change without breaking their code. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.key]), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one we made. */
export function decodeCursor(raw: string): PageCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [createdAt, key] = value;
  if (typeof createdAt !== 'string' || typeof key !== 'string') return undefined;
  if (Number.isNaN(Date.parse(createdAt)) || key.length === 0 || key.length > 64) return undefined;
  return { createdAt, key };
}

export const MAX_PAGE_SIZE = 200;

/** `limit` and `cursor`, shared by every listing. */
export const paginationQuery = {
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(50)
    .meta({ description: `Items per page, 1 to ${MAX_PAGE_SIZE}.`, example: 50 }),
  cursor: z
    .string()
    .transform((raw, ctx) => {
      const cursor = decodeCursor(raw);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this service gave out' });
      return cursor ?? z.NEVER;
    })
    .optional()
    .meta({ description: 'The nextCursor of the previous page; leave out for the first page.' }),
};
