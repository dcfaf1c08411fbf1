import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Db } from '../db/database';
import { inTransaction } from '../db/group-commit';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import { type Claimed, claimDue, MESSAGE_ENDPOINT, slotKey } from './claims.repository';
import { type AttemptRecord, outboxBacklog, recordAttempt } from './deliveries.repository';
import { signingSecrets } from './endpoint-secrets';
import { markEndpointFailing, markEndpointHealthy, syncConfigEndpoints } from './endpoints.repository';
import { eventPoster, type PostResult } from './event-post';
import { signEvent } from './event-signing';
import { startEventPurge } from './events-retention';
import { fanOut } from './fan-out.repository';

export type EventSettings = Config['events'];

export type Dispatcher = {
  /** Look at the outbox now rather than at the next poll. */
  kick(): void;
  /** Stops polling and waits for the deliveries in flight. */
  stop(): Promise<void>;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** What an answer means: 2xx delivered; a timeout, no connection, 429 or 5xx retried; anything else failed. */
export function classify(result: Pick<PostResult, 'status' | 'error'>): 'delivered' | 'retry' | 'failed' {
  const { status, error } = result;
  if (status === null) return error?.startsWith('refused') ? 'failed' : 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** Exponential back-off with jitter: base × 2^(attempt−1), capped, then 50–100 % of it. */
export function backoffMs(attempt: number, settings: Pick<EventSettings, 'retryBaseMs' | 'retryMaxDelayMs'>) {
  const full = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full * (0.5 + Math.random() * 0.5));
}

/**
 * Delivers the outbox: queues each new event for its endpoints, then posts what is due, a bounded
 * number at a time, each signed, timed out and retried by the rules above. Runs on timers beside the
 * HTTP server: nothing here is on a request's path, and a receiver that hangs holds only its own slot.
 */
export function startDispatcher(deps: {
  db: Db;
  settings: EventSettings;
  log: Logger;
  metrics: Metrics;
}): Dispatcher {
  const { db, settings, log, metrics } = deps;
  const owner = randomUUID();
  const inFlight = new Set<Promise<void>>();
  // In flight by endpoint (claims.repository slotKey): what the per-endpoint cap counts.
  const busy = new Map<string, number>();
  let turn = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let again = false;
  let lastBacklogAt = 0;
  let lastFanOutAt = Number.NEGATIVE_INFINITY;
  let backlogEveryMs = 2000;
  const purge = startEventPurge({
    db,
    retentionMs: settings.retentionMs,
    everyMs: settings.purgeEveryMs,
    log,
  });
  const poster = eventPoster({ timeoutMs: settings.timeoutMs, rules: settings.urlRules });
  const ready = syncConfigEndpoints(db, settings.urls, iso(Date.now())).catch((err) =>
    log.error({ err }, 'could not store the endpoints of EVENT_WEBHOOK_URLS'),
  );

  async function deliver(delivery: Claimed): Promise<void> {
    const labels = { endpoint: delivery.endpointId, type: delivery.type };
    // Worked out now, not when it was queued: a rotation's overlap ends at its time, retries included.
    const secrets =
      signingSecrets(delivery.secrets, delivery.retiringSecrets, Date.now()) ?? settings.secrets;
    const result: PostResult =
      secrets.length === 0
        ? { status: null, error: 'refused: no secret to sign with', ms: 0 }
        : await poster.post(
            delivery.url,
            delivery.payload,
            signEvent(delivery.eventId, new Date(), delivery.payload, secrets),
          );
    const nowMs = Date.now();
    const now = iso(nowMs);
    let kind = classify(result);
    if (kind === 'retry' && nowMs >= Date.parse(delivery.retryUntil)) kind = 'failed';
    const attempt: AttemptRecord = {
      status: kind === 'retry' ? 'pending' : kind,
      statusCode: result.status,
      error: result.error,
      ms: result.ms,
      nextAttemptAt: kind === 'retry' ? iso(nowMs + backoffMs(delivery.attempts + 1, settings)) : now,
    };
    const line = { eventId: delivery.eventId, endpoint: delivery.endpointId, type: delivery.type, ...result };
    // Shares its commit with the attempts that end in the same turn (SQLite: one sync for them all).
    const paused = await inTransaction(db, async (trx) => {
      const held = await recordAttempt(trx, delivery, owner, attempt, now);
      if (!held) log.warn(line, 'event delivery finished after its lease ran out');
      if (delivery.endpointId === MESSAGE_ENDPOINT) return false;
      if (kind === 'delivered') {
        await markEndpointHealthy(trx, delivery.endpointId);
        return false;
      }
      const pauseBefore = settings.pauseAfterMs > 0 ? iso(nowMs - settings.pauseAfterMs) : null;
      return markEndpointFailing(trx, delivery.endpointId, now, pauseBefore);
    });
    if (kind === 'delivered') {
      metrics.eventsDelivered.inc(labels);
      metrics.eventLatency.observe(
        { endpoint: delivery.endpointId },
        (nowMs - Date.parse(delivery.eventCreatedAt)) / 1000,
      );
      log.debug(line, 'event delivered');
    } else if (kind === 'retry') {
      metrics.eventsRetried.inc(labels);
      log.info({ ...line, nextAttemptAt: attempt.nextAttemptAt }, 'event delivery failed; will retry');
    } else {
      metrics.eventsFailed.inc(labels);
      log.warn(line, 'event delivery given up');
    }
    if (paused) {
      metrics.endpointsPaused.inc({ endpoint: delivery.endpointId });
      log.error(
        { endpoint: delivery.endpointId, pauseAfterSeconds: settings.pauseAfterMs / 1000 },
        'event endpoint paused: it kept failing; POST /event-endpoints/{id}/resume resumes it',
      );
    }
  }

  /**
   * Queues one batch of new events for their endpoints (fan-out.repository.ts), counting what it
   * queued; true when there is more. One batch a pass: the pass claims what is due before the next, so
   * a long catch-up or a burst of events does not hold every delivery until it ends.
   */
  async function queueEvents(nowMs: number): Promise<boolean> {
    const { queued, more } = await fanOut(db, { now: iso(nowMs), retryForMs: settings.retryForMs });
    let expired = 0;
    for (const q of queued) {
      const labels = { endpoint: q.endpointId, type: q.type };
      metrics.eventsCreated.inc(labels);
      if (q.expired) {
        metrics.eventsFailed.inc(labels);
        expired++;
      }
    }
    if (expired > 0) {
      log.warn(
        { events: expired, retryForSeconds: settings.retryForMs / 1000 },
        'events given up unsent: their endpoint was behind for longer than EVENT_RETRY_FOR_SECONDS',
      );
    }
    return more;
  }

  async function tick(): Promise<void> {
    await ready;
    const nowMs = Date.now();
    // Every poll, not at every delivery that ends: the deliveries' own turns only claim what is due.
    if (performance.now() - lastFanOutAt >= settings.pollMs) {
      lastFanOutAt = performance.now();
      if (await queueEvents(nowMs)) {
        // More to fan out: the next pass at once, and it fans out again.
        lastFanOutAt = Number.NEGATIVE_INFINITY;
        again = true;
      }
    }
    const slots = { room: settings.concurrency - inFlight.size, perEndpoint: settings.perEndpoint, busy };
    const leaseUntil = iso(nowMs + 2 * settings.timeoutMs + 1000);
    for (const delivery of await claimDue(db, owner, iso(nowMs), leaseUntil, slots, turn++)) {
      const key = slotKey(delivery);
      busy.set(key, (busy.get(key) ?? 0) + 1);
      const job: Promise<void> = deliver(delivery)
        .catch((err) => log.error({ err, eventId: delivery.eventId }, 'event delivery could not be recorded'))
        .finally(() => {
          const left = (busy.get(key) ?? 1) - 1;
          if (left > 0) busy.set(key, left);
          else busy.delete(key);
          inFlight.delete(job);
          kick();
        });
      inFlight.add(job);
    }
    if (nowMs - lastBacklogAt >= backlogEveryMs) {
      lastBacklogAt = nowMs;
      const started = performance.now();
      const backlog = await outboxBacklog(db);
      // Its count grows with a backlog: looked at less often then, for at most 0.5 % of the time.
      backlogEveryMs = Math.max(2000, 200 * (performance.now() - started));
      metrics.outboxDepth.set(backlog.depth);
      metrics.outboxOldestSeconds.set(
        backlog.oldest ? Math.max(0, (nowMs - Date.parse(backlog.oldest)) / 1000) : 0,
      );
    }
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = tick()
      .catch((err) => log.error({ err }, 'event dispatcher pass failed'))
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(run);
        } else {
          timer = setTimeout(run, settings.pollMs);
        }
      });
  }

  function kick(): void {
    if (!stopped) run();
  }

  timer = setTimeout(run, 0);
  return {
    kick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.allSettled([...inFlight, purge.stop()]);
      poster.close();
    },
  };
}
