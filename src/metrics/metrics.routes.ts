import { Router } from 'express';
import type { Metrics } from './metrics';

/** Prometheus text format; meant for a scraper on the internal network (see README, Metrics). */
export function metricsRoutes(deps: { metrics: Metrics }): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
