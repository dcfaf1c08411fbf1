import { Router } from 'express';
import type { Config } from '../config';
import type { Db } from '../db/database';
import { requireApiKey } from '../security';
import { countRecipientsByStatus, deliveryTimes } from './stats.repository';
import type { Stats } from './stats.schemas';

const HOUR_MS = 3_600_000;

async function windowSince(db: Db, since: string): Promise<Stats['lastHour']> {
  const [counts, timeToDelivery] = await Promise.all([
    countRecipientsByStatus(db, since),
    deliveryTimes(db, since),
  ]);
  return {
    since,
    recipients: counts.reduce((sum, c) => sum + c.count, 0),
    byStatus: Object.fromEntries(counts.map((c) => [c.status, c.count])),
    timeToDelivery,
  };
}

/** GET /stats: recipients by status and time to delivery over the last hour and day (the console's summary). */
export function statsRoutes(deps: { db: Db; config: Config }): Router {
  const router = Router();
  router.get('/stats', requireApiKey(deps.config.apiKeys), async (_req, res) => {
    const now = Date.now();
    const [lastHour, lastDay] = await Promise.all([
      windowSince(deps.db, new Date(now - HOUR_MS).toISOString()),
      windowSince(deps.db, new Date(now - 24 * HOUR_MS).toISOString()),
    ]);
    const stats: Stats = { generatedAt: new Date(now).toISOString(), lastHour, lastDay };
    res.json(stats);
  });
  return router;
}
