import { randomUUID } from 'node:crypto';
import { deleteExpiredKeys } from '../idempotency/idempotency.repository';
import { type ReconcileDeps, sweepOnce } from './reconciliation.service';

/** Runs a sweep every `intervalMs` until stopped; `stop()` waits for a sweep in progress. */
export function startReconciler(deps: ReconcileDeps, intervalMs: number): { stop(): Promise<void> } {
  const owner = randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const tick = () => {
    running = sweepOnce(deps, owner)
      // The same beat forgets Idempotency-Keys whose time is up.
      .then(() => deleteExpiredKeys(deps.db, new Date().toISOString()))
      .catch((err) => deps.log.error({ err }, 'reconciliation sweep failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
