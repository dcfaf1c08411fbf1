import { Router } from 'express';
import { type Db, pingDatabase } from '../db/database';
import type { SendGuard } from '../security/send-limits.service';

export function healthRoutes(deps: { db: Db; sendGuard: SendGuard }): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const database = (await pingDatabase(deps.db)) ? 'UP' : 'DOWN';
    const status = database === 'UP' ? 'UP' : 'DOWN';
    // A paused sender (daily cap reached) is working as configured: it is reported, not DOWN.
    const sending =
      database === 'UP' ? await deps.sendGuard.sendingStatus().catch(() => 'UNKNOWN') : 'UNKNOWN';
    res
      .status(status === 'UP' ? 200 : 503)
      .json({ status, timestamp: new Date().toISOString(), checks: { database, sending } });
  });
  return router;
}
