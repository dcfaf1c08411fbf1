import { randomUUID } from 'node:crypto';
import { deleteExpiredKeys } from '../idempotency';
import { type ReconcileDeps, resolveSendsInDoubt, sweepOnce } from './reconciliation.service';

/**
 * Runs a sweep every `intervalMs` until stopped. `stop()` ends a sweep in progress after the recipient
 * it is checking (whose Sinch call may take its timeout and retries) and waits for that.
 */
export function startReconciler(deps: ReconcileDeps, intervalMs: number): { stop(): Promise<void> } {
  const owner = randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const tick = () => {
    running = sweepOnce(deps, owner, Date.now(), () => stopped)
      .then(() => (stopped ? undefined : resolveSendsInDoubt(deps, owner, Date.now(), () => stopped)))
      // The same beat forgets Idempotency-Keys whose time is up.
      .then(() => (stopped ? 0 : deleteExpiredKeys(deps.db, new Date().toISOString())))
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
