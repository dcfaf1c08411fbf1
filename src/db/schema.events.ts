import type { Generated } from 'kysely';

/** Row types of the outbound events (src/events): the outbox, where events go, and each delivery. */
export type EventsTable = {
  seq: Generated<number | string>;
  id: string;
  type: string;
  message_id: string | null;
  dedupe_key: string | null;
  /** The body as it is sent and signed. */
  payload: string;
  created_at: string;
  /** 0 until its deliveries are queued. */
  fanned_out: Generated<number>;
  /** Its last POST /events/:id/redeliver; null if none. */
  redelivered_at?: string | null;
};

export type EventEndpointsTable = {
  id: string;
  url: string;
  /** JSON array of whsec_ secrets, each signing every event; null: EVENT_WEBHOOK_SECRET. */
  secrets: string | null;
  /**
   * JSON array of { secret, until }: secrets a rotation replaced, signing too until `until`; null when
   * none (endpoint-secrets.ts).
   */
  retiring_secrets: string | null;
  /** JSON array of event types; null: every type. */
  event_types: string | null;
  /** api (POST /event-endpoints) or config (EVENT_WEBHOOK_URLS). */
  source: string;
  description: string | null;
  failing_since: string | null;
  paused_at: string | null;
  created_at: string;
  /**
   * Null: every event fanned out so far is queued for it. Otherwise its window was full: the events
   * fanned out from this seq on are queued for it later (fan-out.repository.ts).
   */
  behind_from_seq: number | string | null;
  /** Its last resume; what is still to be queued is retried for EVENT_RETRY_FOR_SECONDS from then. */
  resumed_at: string | null;
};

/** One event for one endpoint: pending until delivered or given up. */
export type EventDeliveriesTable = {
  id: string;
  event_id: string;
  event_seq: number | string;
  endpoint_id: string;
  order_key: string;
  url: string;
  /** pending, delivered or failed. */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  retry_until: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
};

export type EventAttemptsTable = {
  id: string;
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
};

/** A callback refused with 401, kept (bounded) until it is verified again or purged. */
