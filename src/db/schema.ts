import type {
  EventAttemptsTable,
  EventDeliveriesTable,
  EventEndpointsTable,
  EventsTable,
} from './schema.events';

export type { EventAttemptsTable, EventDeliveriesTable, EventEndpointsTable, EventsTable };

/**
 * Row types of the database. Timestamps are ISO-8601 UTC strings with milliseconds, so they compare
 * correctly as text on SQLite and PostgreSQL alike.
 */
export type MessagesTable = {
  id: string;
  batch_id: string | null;
  client_reference: string;
  sender: string;
  body: string;
  /** Lifecycle of the send itself: Pending, Sent, SendFailed or SendRefused. */
  send_status: string;
  delivery_report: string;
  error_code: string | null;
  error_text: string | null;
  /** Latest `summary` batch report, as JSON: statuses with counts and no recipients. */
  report_summary: string | null;
  /** Sinch's expire_at for the batch: no delivery attempt after it. */
  expire_at: string | null;
  /** When Sinch is to send it (scheduled), as the caller asked; null for at once. */
  send_at: string | null;
  /** GSM or UNICODE, and SMS parts per recipient, as computed from the body before sending. */
  encoding: string | null;
  parts: number | null;
  lease_owner: string | null;
  lease_until: string | null;
  /** When DELETE /messages/:id cancelled the batch at Sinch; null unless cancelled. */
  cancelled_at: string | null;
  /** Where this message's events go besides the event endpoints (POST /send-sms statusCallbackUrl). */
  status_callback_url: string | null;
  /** When every recipient first had a final status; set once, with `message.completed`. */
  completed_at: string | null;
  created_at: string;
  updated_at: string;
};

export type RecipientsTable = {
  message_id: string;
  /** Digits only, no `+` or `00`: the form callbacks are matched on. */
  msisdn: string;
  status: string;
  /** Order of the status in the forward-only machine; see tracking/status.ts. */
  status_rank: number;
  code: number | null;
  /** Sinch's `at` of the report that set the status. */
  status_at: string | null;
  operator_status_at: string | null;
  updated_at: string;
  next_check_at: string | null;
};

/** Delivery reports applied to a recipient; the unique key makes a duplicate impossible. */
export type RecipientEventsTable = {
  id: string;
  message_id: string;
  msisdn: string;
  event_key: string;
  status: string;
  code: number | null;
  at: string | null;
  operator_status_at: string | null;
  applied_at: string;
};

/** Every callback as received, append-only; `outcome` says what became of it. */
export type CallbacksTable = {
  id: string;
  received_at: string;
  type: string | null;
  batch_id: string | null;
  client_reference: string | null;
  payload: string;
  /** applied, duplicate, unmatched (kept until its batch appears), inbound, summary, unknown_type, invalid. */
  outcome: string;
  processed_at: string | null;
  /** For an `invalid` one the database refused as it was: what it refused (the payload is kept). */
  problem?: string | null;
  /** Size of the payload in bytes, for the purge's bound on what the log keeps. */
  payload_bytes?: number | null;
};

export type InboundMessagesTable = {
  id: string;
  sender: string;
  recipient: string;
  body: string | null;
  type: string;
  received_at: string | null;
  sent_at: string | null;
  operator_id: string | null;
  client_reference: string | null;
  /** User data header (hex) of a `mo_binary`; null for other types. */
  udh: string | null;
  stored_at: string;
};

export type IdempotencyKeysTable = {
  /** SHA-256 of the caller's identity and the Idempotency-Key header. */
  scope_key: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  request_hash: string;
  /** in_progress while the first request runs, then done. */
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  /** An in_progress row older than this belongs to a request that died; it may be taken over. */
  locked_until: string;
  expires_at: string;
  /** The message the send stored before calling Sinch; a take-over resumes it instead of sending anew. */
  message_id: string | null;
};

/** A number that asked not to be messaged; the row exists only while it is opted out. */
export type OptOutsTable = {
  /** Digits only, like recipients.msisdn. */
  msisdn: string;
  /** keyword (an inbound STOP), delivery_code (a report such as 257) or operator. */
  source: string;
  /** The keyword as configured (STOP) or the delivery code ('257'). */
  reason: string;
  /** The inbound message id or the batch id that caused it. */
  reference: string | null;
  created_at: string;
  updated_at: string;
};

/** Every opt-out and opt-in seen, append-only; the state follows the latest by `occurred_at`. */
export type OptOutEventsTable = {
  id: string;
  msisdn: string;
  /** opt_out or opt_in. */
  action: string;
  source: string;
  reason: string;
  reference: string | null;
  /** Unique per number: the same inbound or batch is recorded once. */
  event_key: string;
  /** Sinch's time for it (received_at, report at), else when we saw it. */
  occurred_at: string;
  recorded_at: string;
  /** applied, or stale when a later event for the number was already recorded. */
  outcome: string;
};

/** SMS (one per recipient) stored per UTC day, for the daily cap; a send Sinch refused is taken back off. */
export type DailySendCountsTable = {
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** SMS parts (as Sinch bills them), all keys together. */
  sent: number;
};

/** The same count per API key (its fingerprint), for the per-key daily cap. */
export type DailyKeySendCountsTable = {
  day: string;
  key_id: string;
  sent: number;
};

/** A fixed-window request counter; on SQLite in the attached `limits` file. */
export type RateLimitHitsTable = {
  key: string;
  hits: number;
  /** Milliseconds since the epoch; PostgreSQL returns bigint as a string. */
  reset_at: number | string;
};

/** The outbox: each event once, written with the change that caused it; see src/events. */
export type CallbackQuarantineTable = {
  id: string;
  received_at: string;
  /** Why it was refused: a signature failure, missing or bad Basic credentials. */
  reason: string;
  /** JSON: the signature headers as sent, and a SHA-256 of Basic credentials (never the credentials). */
  headers: string;
  /** The body exactly as received, base64. */
  body: string;
  /** Size of body and headers as stored. */
  bytes: number;
};

export type Database = {
  messages: MessagesTable;
  recipients: RecipientsTable;
  recipient_events: RecipientEventsTable;
  callbacks: CallbacksTable;
  callback_quarantine: CallbackQuarantineTable;
  inbound_messages: InboundMessagesTable;
  idempotency_keys: IdempotencyKeysTable;
  opt_outs: OptOutsTable;
  opt_out_events: OptOutEventsTable;
  daily_send_counts: DailySendCountsTable;
  daily_key_send_counts: DailyKeySendCountsTable;
  rate_limit_hits: RateLimitHitsTable;
  events: EventsTable;
  event_endpoints: EventEndpointsTable;
  event_deliveries: EventDeliveriesTable;
  event_attempts: EventAttemptsTable;
};
