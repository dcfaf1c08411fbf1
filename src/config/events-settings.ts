import { z } from 'zod';
import { optional, withDefault } from './env-setting';
import { commaList, integer, oneOf } from './env-values';

/** A Standard Webhooks secret: `whsec_` and base64 of at least 24 bytes (`openssl rand -base64 32`). */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by base64 of at least 24 bytes');

const flag = oneOf(['true', 'false']).transform((value) => value === 'true');

/** The settings of events pushed to the application (src/events), spread into the env schema. */
export const eventSettings = {
  EVENT_WEBHOOK_URLS: optional(commaList(z.url({ protocol: /^https?$/ })), 'unset', {
    group: 'events',
    description:
      'URLs that receive every event (Standard Webhooks, signed with `EVENT_WEBHOOK_SECRET`), comma-separated. More can be added with `POST /event-endpoints`.',
  }),
  EVENT_WEBHOOK_SECRET: optional(commaList(webhookSecret), 'unset', {
    group: 'events',
    description:
      '`whsec_…` secret(s) signing events to `EVENT_WEBHOOK_URLS` and to a send’s `statusCallbackUrl`; several, comma-separated, while rotating (each signs). Required with either.',
  }),
  EVENT_ALLOW_HTTP: withDefault('false', flag, {
    group: 'events',
    description: '`true` lets event URLs be plain `http` (tests, the sandbox); otherwise only `https`.',
  }),
  EVENT_ALLOW_PRIVATE_ADDRESSES: withDefault('false', flag, {
    group: 'events',
    description:
      '`true` lets event URLs resolve to loopback, link-local or private addresses; otherwise they are refused when registered and when delivered (SSRF).',
  }),
  EVENT_TIMEOUT_MS: withDefault('10000', integer(100, 120_000), {
    group: 'events',
    description: 'Ms an endpoint has to answer an event; then the attempt counts as failed and is retried.',
  }),
  EVENT_RETRY_BASE_MS: withDefault('5000', integer(1, 3_600_000), {
    group: 'events',
    description:
      'First delay before an event is retried (after a timeout, a connection error, 429 or 5xx); it doubles per attempt, with jitter, up to an hour.',
  }),
  EVENT_RETRY_FOR_SECONDS: withDefault('172800', integer(1, 30 * 86_400), {
    group: 'events',
    description: 'Seconds an event is retried before it is given up as failed (2 days).',
  }),
  EVENT_PAUSE_AFTER_SECONDS: withDefault('86400', integer(0, 30 * 86_400), {
    group: 'events',
    description:
      'Seconds an endpoint may fail without a success before it is paused (logged, counted; `POST /event-endpoints/{id}/resume`); `0` never pauses.',
  }),
  EVENT_ENDPOINT_CONCURRENCY: withDefault('4', integer(1, 16), {
    group: 'events',
    description:
      'Deliveries in flight at once to one endpoint (one `statusCallbackUrl`), per instance, of the 16 an instance runs: an endpoint that hangs holds this many, and the others’ events keep moving.',
  }),
  EVENT_RETENTION_DAYS: withDefault('30', integer(0, 3_650), {
    group: 'events',
    description:
      'Days an event, its deliveries and their attempts stay (in `GET /events`) once nothing is pending for it (delivered or given up); then they are deleted, hourly. One still pending stays. `0` keeps them for ever.',
  }),
  EVENT_POLL_MS: withDefault('250', integer(10, 60_000), {
    group: 'events',
    description: 'Ms between looks at the outbox for events to deliver.',
  }),
};
