import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the service exposes at GET /metrics, in one registry per app. */
export function createMetrics(options: { processMetrics: boolean }) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    registry,
    sendRequests: new Counter({
      name: 'sms_send_requests_total',
      help: 'POST /send-sms answers by HTTP status and error code (none when accepted).',
      labelNames: ['status', 'code'] as const,
      registers,
    }),
    sinchCalls: new Histogram({
      name: 'sinch_api_request_duration_seconds',
      help: 'Calls to the Sinch API by operation and HTTP status (0: no response).',
      labelNames: ['operation', 'status'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    sinchRetries: new Counter({
      name: 'sinch_api_retries_total',
      help: 'Retries of Sinch API calls, by operation.',
      labelNames: ['operation'] as const,
      registers,
    }),
    callbacks: new Counter({
      name: 'sinch_callbacks_total',
      help: 'Callbacks received, by type and what became of them.',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    callbackAuthFailures: new Counter({
      name: 'sinch_callback_auth_failures_total',
      help: 'Callbacks refused with 401, by reason; each is kept in the quarantine while it has room.',
      labelNames: ['reason'] as const,
      registers,
    }),
    callbackSeconds: new Histogram({
      name: 'sinch_callback_processing_seconds',
      help: 'Time from receiving a callback to answering it.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    reportsIgnored: new Counter({
      name: 'delivery_reports_ignored_total',
      help: 'Recipient reports that changed nothing: duplicates, or older than the status already held.',
      registers,
    }),
    deliveryOutcomes: new Counter({
      name: 'sms_delivery_outcomes_total',
      help: 'Final statuses applied to recipients, by status and Sinch code.',
      labelNames: ['status', 'code'] as const,
      registers,
    }),
    timeToFinal: new Histogram({
      name: 'sms_time_to_final_status_seconds',
      help: 'Time from sending to the final status of a recipient.',
      labelNames: ['status'] as const,
      buckets: [1, 5, 15, 30, 60, 300, 900, 3600, 21600, 86400],
      registers,
    }),
    reconciliation: new Counter({
      name: 'reconciliation_results_total',
      help: 'Recipients checked by the reconciliation sweep, by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    ...eventMetrics(registers),
  };
}

/** Events pushed to the application (src/events): per endpoint id (`message` for statusCallbackUrl) and type. */
function eventMetrics(registers: Registry[]) {
  const labelNames = ['endpoint', 'type'] as const;
  return {
    eventsCreated: new Counter({
      name: 'sms_events_created_total',
      help: 'Event deliveries queued, by endpoint and event type.',
      labelNames,
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'sms_events_delivered_total',
      help: 'Events an endpoint answered 2xx.',
      labelNames,
      registers,
    }),
    eventsRetried: new Counter({
      name: 'sms_events_retried_total',
      help: 'Failed attempts that will be retried (timeout, connection error, 429, 5xx).',
      labelNames,
      registers,
    }),
    eventsFailed: new Counter({
      name: 'sms_events_failed_total',
      help: 'Events given up: another 4xx, a refused address, or retried for the whole retry time.',
      labelNames,
      registers,
    }),
    eventLatency: new Histogram({
      name: 'sms_event_delivery_latency_seconds',
      help: 'Time from an event happening to its endpoint answering 2xx, retries included.',
      labelNames: ['endpoint'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400],
      registers,
    }),
    endpointsPaused: new Counter({
      name: 'sms_event_endpoints_paused_total',
      help: 'Endpoints paused after failing for EVENT_PAUSE_AFTER_SECONDS.',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    callbackLogUnappliedBytes: new Gauge({
      name: 'sinch_callback_log_unapplied_bytes',
      help: 'Payload bytes of callbacks kept without being applied (unknown_type, unmatched, invalid), as the last purge measured them.',
      registers,
    }),
    callbacksPurged: new Counter({
      name: 'sinch_callbacks_purged_total',
      help: 'Callbacks deleted from the callback log by the purge: applied ones past CALLBACK_RETENTION_DAYS, unapplied ones past their age or size bound.',
      labelNames: ['kind'] as const,
      registers,
    }),
    outboxDepth: new Gauge({
      name: 'sms_events_outbox_depth',
      help: 'Events not yet delivered or given up: deliveries pending plus events not yet queued.',
      registers,
    }),
    outboxOldestSeconds: new Gauge({
      name: 'sms_events_outbox_oldest_pending_seconds',
      help: 'Age of the oldest event still pending (0 when none).',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Counts what applying reports did: ignored ones, and final statuses with their time from send. */
export function recordApplied(
  metrics: Metrics,
  tally: { ignored: number; finals: Array<{ status: string; code: number | null; sentAt: string }> },
): void {
  if (tally.ignored > 0) metrics.reportsIgnored.inc(tally.ignored);
  for (const final of tally.finals) {
    metrics.deliveryOutcomes.inc({ status: final.status, code: String(final.code ?? '') });
    metrics.timeToFinal.observe({ status: final.status }, (Date.now() - Date.parse(final.sentAt)) / 1000);
  }
}
