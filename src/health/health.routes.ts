import { Router } from 'express';
import { type Db, pingDatabase } from '../db/database';

export function healthRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const database = (await pingDatabase(deps.db)) ? 'UP' : 'DOWN';
    const status = database === 'UP' ? 'UP' : 'DOWN';
    res
      .status(status === 'UP' ? 200 : 503)
      .json({ status, timestamp: new Date().toISOString(), checks: { database } });
  });
  return router;
}
