import { Router } from 'express';
import { type Db, pingDatabase } from '../db/database';
import type { SendGuard } from '../security';

/** Set by the server when it starts to shut down, so readiness fails before connections close. */
export type Lifecycle = { shuttingDown: boolean };

export function healthRoutes(deps: { db: Db; sendGuard: SendGuard; lifecycle: Lifecycle }): Router {
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

  // Liveness: the process answers. Restarting it would not fix a database outage, so no checks here.
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'UP', timestamp: new Date().toISOString() });
  });

  // Readiness: send traffic here only while the database answers and no shutdown has begun.
  router.get('/health/ready', async (_req, res) => {
    const database = (await pingDatabase(deps.db)) ? 'UP' : 'DOWN';
    const ready = database === 'UP' && !deps.lifecycle.shuttingDown;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'UP' : 'DOWN',
      timestamp: new Date().toISOString(),
      checks: { database, shuttingDown: deps.lifecycle.shuttingDown },
    });
  });

  return router;
}
