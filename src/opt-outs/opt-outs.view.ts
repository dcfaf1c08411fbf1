import { encodeCursor, type PageCursor } from '../core/pagination';
import type { Db } from '../db/database';
import { listOptOuts } from './opt-outs.repository';

/** GET /opt-outs: the list as the API shows it. */
export type OptOutView = {
  number: string;
  source: string;
  reason: string;
  reference: string | null;
  createdAt: string;
  updatedAt: string;
};

/** One page of the list, newest first, with the cursor of the next page (null on the last). */
export async function listOptOutsPage(
  db: Db,
  limit: number,
  after: PageCursor | undefined,
): Promise<{ optOuts: OptOutView[]; nextCursor: string | null }> {
  const rows = await listOptOuts(db, limit + 1, after);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    optOuts: page.map((row) => ({
      number: `+${row.msisdn}`,
      source: row.source,
      reason: row.reason,
      reference: row.reference,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    })),
    nextCursor:
      rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, key: last.msisdn }) : null,
  };
}
