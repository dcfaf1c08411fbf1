import { z } from 'zod';
import { DELIVERY_REPORT_TYPES } from '../sinch/batches.schemas';
import { databaseSettings } from './database-settings';
import { codeList, optional, required, withDefault } from './env-setting';
import {
  apiKey,
  BUILT_IN_OPT_IN_KEYWORDS,
  BUILT_IN_OPT_OUT_KEYWORDS,
  basicPair,
  commaList,
  DEFAULT_OPT_OUT_DELIVERY_CODES,
  deliveryCodes,
  destinationPrefix,
  httpUrl,
  integer,
  keyword,
  LOG_LEVELS,
  oneOf,
  SINCH_REGIONS,
  servicePlanId,
  trustProxy,
} from './env-values';
import { eventSettings } from './events-settings';
import { limitSettings } from './limits-settings';

export { SETTING_GROUPS, type SettingDoc, settingDocs } from './env-setting';

/**
 * Every environment variable the service reads, declared once: its validation, its default and its
 * description. The `Config` type, docs/configuration.md and .env.example all come from here
 * (`npm run docs:config` writes the two files; test/config-docs.test.ts fails when they are stale).
 */

export const envSchema = z.object({
  SINCH_SERVICE_PLAN_ID: required('the Sinch service plan id', servicePlanId, {
    group: 'sinch',
    description: 'Service plan id (dashboard: SMS > APIs).',
  }),
  SINCH_API_TOKEN: required('the Sinch API token', z.string(), {
    group: 'sinch',
    description: 'API token of that service plan (dashboard: SMS > APIs > REST configuration). Never logged.',
  }),
  SINCH_NUMBER: required('the Sinch sender number', z.string(), {
    group: 'sinch',
    description: 'Sender: a Sinch number in E.164 (`+12025550181`), a short code or an alphanumeric id.',
  }),
  SINCH_API_REGION: withDefault('us', oneOf(SINCH_REGIONS), {
    group: 'sinch',
    description: `${codeList(SINCH_REGIONS)}; picks \`https://{region}.sms.api.sinch.com\`. Anything else is refused.`,
  }),
  SINCH_API_BASE_URL: optional(httpUrl, 'region host', {
    group: 'sinch',
    description:
      'Replaces the origin, e.g. `http://127.0.0.1:3901` for the emulator; `/xms/v1/{plan}/batches` is still appended.',
  }),
  SINCH_TIMEOUT_MS: withDefault('10000', integer(100, 120_000), {
    group: 'sinch',
    description: 'Milliseconds to wait for Sinch before giving up on a call.',
  }),
  SINCH_DELIVERY_REPORT: withDefault('per_recipient', oneOf(DELIVERY_REPORT_TYPES), {
    group: 'sinch',
    description: `Delivery reports to ask Sinch for: ${codeList(DELIVERY_REPORT_TYPES)}.`,
  }),
  SINCH_MAX_ATTEMPTS: withDefault('4', integer(1, 10), {
    group: 'sinch',
    description:
      'Attempts per Sinch call, the first included; only 429, 5xx and connection failures are retried.',
  }),
  SINCH_RETRY_BASE_MS: withDefault('500', integer(1, 60_000), {
    group: 'sinch',
    description:
      'First back-off delay in ms; it doubles per retry, with jitter. `Retry-After` wins when longer.',
  }),
  SINCH_RETRY_MAX_MS: withDefault('15000', integer(0, 300_000), {
    group: 'sinch',
    description: 'Total ms one call may spend waiting between its retries.',
  }),

  PUBLIC_BASE_URL: optional(httpUrl, 'unset', {
    group: 'service',
    description:
      "This service's public URL (e.g. your ngrok URL); when set, every batch carries `callback_url = PUBLIC_BASE_URL/webhooks/dlr`, so a new URL needs no dashboard change.",
  }),
  PORT: withDefault('3000', integer(0, 65_535), { group: 'service', description: 'Port to listen on.' }),
  HOST: optional(z.string(), 'all interfaces', { group: 'service', description: 'Interface to listen on.' }),
  LOG_LEVEL: withDefault('info', oneOf(LOG_LEVELS), {
    group: 'service',
    description: `pino level: ${codeList(LOG_LEVELS)}.`,
  }),
  TRUST_PROXY: withDefault('loopback', trustProxy, {
    group: 'service',
    description:
      'Express `trust proxy`: which proxies may set `X-Forwarded-For` (`true`, `false`, a hop count or addresses). `loopback` suits ngrok or a proxy on the same machine.',
  }),
  ...databaseSettings,
  HTTP_HEADERS_TIMEOUT_MS: withDefault('10000', integer(1_000, 300_000), {
    group: 'service',
    description:
      'Ms a client has to send its request headers; a slow or idle connection is closed after it (408). Sinch sends at once.',
  }),
  HTTP_REQUEST_TIMEOUT_MS: withDefault('30000', integer(1_000, 600_000), {
    group: 'service',
    description:
      'Ms a client has to send its whole request, body included; at least `HTTP_HEADERS_TIMEOUT_MS`.',
  }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: withDefault('5000', integer(0, 600_000), {
    group: 'service',
    description:
      "Ms an idle keep-alive connection stays open; behind a load balancer, set it above the balancer's idle timeout.",
  }),
  HTTP_MAX_CONNECTIONS: withDefault('800', integer(1, 1_000_000), {
    group: 'service',
    description:
      'Open client connections at most; more are closed at once. Keep it under the file limit (`ulimit -n`) less what the database and Sinch calls need.',
  }),
  NODE_ENV: optional(z.string(), 'unset', {
    group: 'service',
    description: '`production` makes a missing `API_KEYS` a start-up error instead of a warning.',
  }),

  API_KEYS: optional(commaList(apiKey), 'unset', {
    group: 'security',
    description:
      'Keys for `/send-sms`, `/messages`, `/opt-outs` and `/stats`, comma-separated (several for rotation), each at least 16 printable characters (`openssl rand -hex 32`). Unset: no authentication and a start-up warning; refused when `NODE_ENV=production`.',
  }),
  RATE_LIMIT_SEND: withDefault('60', integer(0, 1_000_000), {
    group: 'security',
    description:
      '`POST /send-sms` requests a minute per API key (per client IP without one); `0` switches the limit off.',
  }),
  SINCH_WEBHOOK_SECRET: optional(commaList(z.string()), 'unset', {
    group: 'security',
    description:
      "Sinch's HMAC callback secret(s), comma-separated so a secret can be rotated. Unset: signatures are not checked.",
  }),
  WEBHOOK_BASIC_AUTH: optional(commaList(basicPair), 'unset', {
    group: 'security',
    description:
      '`user:password` pair(s), comma-separated, for HTTP Basic on the callback URL. A callback passing either check is accepted.',
  }),
  WEBHOOK_MAX_AGE_SECONDS: withDefault('259200', integer(0, 365 * 86_400), {
    group: 'security',
    // Sinch retries a callback for one to two days, maybe re-sending the first signature: 3 days.
    description:
      "Oldest callback signature timestamp accepted, in seconds (3 days, longer than Sinch's retries); `0` switches the check off.",
  }),
  WEBHOOK_MAX_CLOCK_SKEW_SECONDS: withDefault('3600', integer(0, 7 * 86_400), {
    group: 'security',
    description:
      'How far ahead of our clock a signature timestamp may be, in seconds (an hour: drift or a wrong DST hour on either side is no reason to lose callbacks); checked only with `WEBHOOK_MAX_AGE_SECONDS`.',
  }),
  WEBHOOK_QUARANTINE_MAX_ROWS: withDefault('10000', integer(0, 10_000_000), {
    group: 'security',
    description:
      'Callbacks refused with 401 kept at most, for `npm run callbacks -- reapply` to verify again; the oldest go first. `0` keeps none.',
  }),
  WEBHOOK_QUARANTINE_MAX_BYTES: withDefault('104857600', integer(0, 100 * 2 ** 30), {
    group: 'security',
    description: 'Bytes the refused callbacks may take at most (100 MiB); the oldest go first.',
  }),
  WEBHOOK_QUARANTINE_MAX_AGE_HOURS: withDefault('168', integer(1, 24 * 365), {
    group: 'security',
    description: 'Hours a refused callback is kept (a week) before it is purged.',
  }),
  RATE_LIMIT_WEBHOOK: withDefault('6000', integer(0, 1_000_000), {
    group: 'security',
    description: '`POST /webhooks/dlr` requests a minute per client IP; `0` switches the limit off.',
  }),
  RATE_LIMIT_API: withDefault('600', integer(0, 1_000_000), {
    group: 'security',
    description:
      '`/messages` and `/opt-outs` requests a minute per API key (per client IP without a valid one, so guessing keys ends in 429); `0` switches the limit off.',
  }),
  REDIS_URL: optional(
    z.string().regex(/^rediss?:\/\/\S+$/, 'must be redis://[user:password@]host[:port][/db] or rediss://…'),
    'unset: counted in the database',
    {
      group: 'security',
      description:
        'Redis that keeps the per-minute request counts, shared by every instance, e.g. `redis://127.0.0.1:6379`. Unset: they are kept in the database (on SQLite in a `-limits` file beside it), also shared by every instance on it.',
    },
  ),
  ALLOWED_DESTINATION_PREFIXES: optional(commaList(destinationPrefix), 'unset', {
    group: 'security',
    description:
      'Calling codes or longer prefixes a destination must start with, e.g. `+44,+1555`; unset allows every destination.',
  }),
  MAX_SMS_PER_NUMBER_PER_HOUR: withDefault('10', integer(0, 1_000_000), {
    group: 'security',
    description:
      'SMS parts (as Sinch bills them: a 3-part message counts 3) to one number in a rolling hour; `0` switches the limit off.',
  }),
  MAX_SMS_PER_DAY: withDefault('10000', integer(0, 100_000_000), {
    group: 'security',
    description:
      'SMS parts a UTC day, all numbers and keys together; reaching it pauses sending until 00:00 UTC. `0` switches it off.',
  }),
  MAX_SMS_PER_KEY_PER_DAY: withDefault('0', integer(0, 100_000_000), {
    group: 'security',
    description:
      'SMS parts one API key may send a UTC day, so that one key cannot spend the day of the others (429 `KEY_DAILY_CAP_REACHED` until 00:00 UTC); `0` switches it off (a start-up warning when several keys share `MAX_SMS_PER_DAY`).',
  }),

  IDEMPOTENCY_TTL_HOURS: withDefault('24', integer(1, 24 * 30), {
    group: 'sending',
    description: 'Hours an `Idempotency-Key` on `POST /send-sms` is remembered.',
  }),
  MAX_MESSAGE_PARTS: withDefault('0', integer(0, 255), {
    group: 'sending',
    description:
      'Longest message in SMS parts per recipient; longer ones get 400, and Sinch is told the same limit. `0`: no limit.',
  }),
  RECONCILE_INTERVAL_SECONDS: withDefault('60', integer(0, 86_400), {
    group: 'sending',
    description:
      'Seconds between reconciliation sweeps, which ask Sinch about reports that never came (and forget expired `Idempotency-Key`s); `0` switches both off.',
  }),
  RECONCILE_AFTER_SECONDS: withDefault('600', integer(0, 7 * 86_400), {
    group: 'sending',
    description:
      'Age in seconds of a send before the sweep asks Sinch about recipients with no final report.',
  }),
  RECONCILE_RECHECK_SECONDS: withDefault('900', integer(1, 7 * 86_400), {
    group: 'sending',
    description: 'Seconds before the sweep asks again about the same recipient.',
  }),

  OPT_OUT_KEYWORDS: optional(commaList(keyword), 'unset', {
    group: 'optOuts',
    description: `Words added to ${codeList(BUILT_IN_OPT_OUT_KEYWORDS)}, comma-separated, e.g. \`ARRET,STOPP\`; a reply that is exactly one of them opts out.`,
  }),
  OPT_IN_KEYWORDS: optional(commaList(keyword), 'unset', {
    group: 'optOuts',
    description: `Words added to ${codeList(BUILT_IN_OPT_IN_KEYWORDS)}, comma-separated, e.g. \`NONARRET\`; a reply that is exactly one of them opts back in. A word in both lists is refused.`,
  }),
  OPT_OUT_DELIVERY_CODES: withDefault(DEFAULT_OPT_OUT_DELIVERY_CODES.join(','), deliveryCodes, {
    group: 'optOuts',
    description:
      'Delivery report codes that put the recipient on the opt-out list (257: "User opted out"), comma-separated; `none` switches it off.',
  }),
  ...limitSettings,
  ...eventSettings,
});

export type Env = z.output<typeof envSchema>;
export type EnvName = keyof typeof envSchema.shape;
