import type { z } from 'zod';
import { type Env, envSchema } from './config/env-schema';
import { keywordClash } from './config/env-values';

export {
  BUILT_IN_OPT_IN_KEYWORDS,
  BUILT_IN_OPT_OUT_KEYWORDS,
  DEFAULT_OPT_OUT_DELIVERY_CODES,
  SINCH_REGIONS,
} from './config/env-values';

export function sinchRegionOrigin(region: Env['SINCH_API_REGION']): string {
  return `https://${region}.sms.api.sinch.com`;
}

/** The configuration the service runs with, from the parsed environment (names and units of our own). */
function toConfig(e: Env) {
  return {
    sinch: {
      servicePlanId: e.SINCH_SERVICE_PLAN_ID,
      apiToken: e.SINCH_API_TOKEN,
      number: e.SINCH_NUMBER,
      region: e.SINCH_API_REGION,
      /** Origin the client talks to: the region's host unless SINCH_API_BASE_URL replaces it. */
      baseUrl: e.SINCH_API_BASE_URL ?? sinchRegionOrigin(e.SINCH_API_REGION),
      timeoutMs: e.SINCH_TIMEOUT_MS,
      /** Attempts per call, the first included; retries only where repeating is safe. */
      maxAttempts: e.SINCH_MAX_ATTEMPTS,
      /** First back-off delay; doubles per retry, with jitter. */
      retryBaseMs: e.SINCH_RETRY_BASE_MS,
      /** Total time a call may spend waiting between attempts. */
      retryMaxMs: e.SINCH_RETRY_MAX_MS,
      deliveryReport: e.SINCH_DELIVERY_REPORT,
    },
    /** Where Sinch reaches this service; when set, every batch carries its callback URL. */
    publicBaseUrl: e.PUBLIC_BASE_URL,
    port: e.PORT,
    /** Undefined: every interface. */
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    /** Requests per minute per client on POST /send-sms; 0 switches the limit off. */
    rateLimitSendPerMinute: e.RATE_LIMIT_SEND,
    /** Keys accepted on /send-sms, /messages, /opt-outs and /stats; empty means no authentication (dev only). */
    apiKeys: e.API_KEYS ?? [],
    /** How POST /webhooks/dlr checks that a callback comes from Sinch; a callback passing either check is accepted. */
    webhookAuth: {
      /** Sinch HMAC secrets; several so that one can be rotated without losing callbacks. */
      hmacSecrets: e.SINCH_WEBHOOK_SECRET ?? [],
      /** HTTP Basic credentials configured on the callback URL, several for rotation. */
      basicCredentials: e.WEBHOOK_BASIC_AUTH ?? [],
      /** Oldest signature timestamp accepted, in seconds; 0 switches the freshness check off. */
      maxAgeSeconds: e.WEBHOOK_MAX_AGE_SECONDS,
      /** How far ahead of our clock a signature timestamp may be, in seconds. */
      maxClockSkewSeconds: e.WEBHOOK_MAX_CLOCK_SKEW_SECONDS,
    },
    /** Where callbacks refused with 401 are kept for `npm run callbacks -- reapply`; 0 rows keeps none. */
    callbackQuarantine: {
      maxRows: e.WEBHOOK_QUARANTINE_MAX_ROWS,
      maxBytes: e.WEBHOOK_QUARANTINE_MAX_BYTES,
      maxAgeMs: e.WEBHOOK_QUARANTINE_MAX_AGE_HOURS * 3600 * 1000,
    },
    /** Callbacks per minute per client on POST /webhooks/dlr; 0 switches the limit off. */
    rateLimitWebhookPerMinute: e.RATE_LIMIT_WEBHOOK,
    /** Requests per minute per key (per IP without a valid key) on /messages and /opt-outs; 0: off. */
    rateLimitApiPerMinute: e.RATE_LIMIT_API,
    /** Where per-minute counts are kept for every instance: this Redis, else the database. Holds secrets. */
    redisUrl: e.REDIS_URL,
    /** Guard rails against SMS pumping; every 0 or empty value switches its limit off. */
    sendLimits: {
      /** Digits that a destination must start with (calling codes or longer prefixes); empty allows all. */
      allowedDestinationPrefixes: e.ALLOWED_DESTINATION_PREFIXES ?? [],
      /** SMS parts (as Sinch bills them) to one number in a rolling hour. */
      maxPerNumberPerHour: e.MAX_SMS_PER_NUMBER_PER_HOUR,
      /** SMS parts in one UTC calendar day, all destinations and keys together. */
      maxPerDay: e.MAX_SMS_PER_DAY,
      /** SMS parts one API key may send in one UTC calendar day; 0: no cap per key. */
      maxPerKeyPerDay: e.MAX_SMS_PER_KEY_PER_DAY,
    },
    /** Inbound keywords and delivery codes that put a number on the opt-out list or take it off. */
    optOuts: {
      /** Words added to the built-in opt-out words; upper-case. */
      extraOptOutKeywords: e.OPT_OUT_KEYWORDS ?? [],
      /** Words added to the built-in opt-in words; upper-case. */
      extraOptInKeywords: e.OPT_IN_KEYWORDS ?? [],
      /** Delivery report codes meaning the recipient opted out; empty switches them off. */
      deliveryCodes: e.OPT_OUT_DELIVERY_CODES,
    },
    /** What one request may cost (body sizes, JSON depth) and what the callback log keeps. */
    limits: {
      callbackMaxBodyBytes: e.CALLBACK_MAX_BODY_KB * 1024,
      sendMaxBodyBytes: e.SEND_MAX_BODY_KB * 1024,
      jsonMaxDepth: e.JSON_MAX_DEPTH,
    },
    callbackRetention: {
      /** Applied (and duplicate, summary, inbound) callbacks older than this are deleted; 0: never. */
      appliedMs: e.CALLBACK_RETENTION_DAYS * 86_400_000,
      /** unknown_type, unmatched and invalid ones older than this are deleted; 0: never. */
      unappliedMs: e.CALLBACK_UNAPPLIED_RETENTION_DAYS * 86_400_000,
      /** Their payloads together at most, in bytes; 0: no bound. */
      unappliedMaxBytes: e.CALLBACK_UNAPPLIED_MAX_MB * 1024 * 1024,
      /** Between purges; 0 switches the purge off. */
      purgeIntervalMs: e.CALLBACK_PURGE_INTERVAL_SECONDS * 1000,
    },
    /** The HTTP server's limits on slow and many clients. */
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    /** Express "trust proxy" setting: how many proxies (or which addresses) sit in front of us. */
    trustProxy: e.TRUST_PROXY,
    /** `postgres://…` for PostgreSQL; otherwise a SQLite file (created on first start). */
    databaseUrl: e.DATABASE_URL,
    /** SQLite's sync of its write-ahead log: `full` (durable before every answer) unless measuring. */
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    /** Longest message, in SMS parts per recipient; passed to Sinch too. 0: no limit. */
    maxMessageParts: e.MAX_MESSAGE_PARTS,
    /** How long an Idempotency-Key is remembered. */
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_HOURS * 3600 * 1000,
    /** Events pushed to the application: where, signed how, retried how long (src/events). */
    events: {
      urls: e.EVENT_WEBHOOK_URLS ?? [],
      secrets: e.EVENT_WEBHOOK_SECRET ?? [],
      urlRules: { allowHttp: e.EVENT_ALLOW_HTTP, allowPrivate: e.EVENT_ALLOW_PRIVATE_ADDRESSES },
      timeoutMs: e.EVENT_TIMEOUT_MS,
      retryBaseMs: e.EVENT_RETRY_BASE_MS,
      retryMaxDelayMs: 3600 * 1000,
      retryForMs: e.EVENT_RETRY_FOR_SECONDS * 1000,
      pauseAfterMs: e.EVENT_PAUSE_AFTER_SECONDS * 1000,
      pollMs: e.EVENT_POLL_MS,
      perEndpoint: e.EVENT_ENDPOINT_CONCURRENCY,
      /** Finished events are deleted after this; 0 keeps them. */
      retentionMs: e.EVENT_RETENTION_DAYS * 86_400_000,
      // Not a setting: between purges of finished events.
      purgeEveryMs: 3600 * 1000,
      // Not settings: deliveries in flight at once per instance, and how many are claimed per look.
      concurrency: 16,
    },
    /** The sweep that asks Sinch about recipients whose report never came. */
    reconcile: {
      /** How often a sweep runs; 0 switches reconciliation off. */
      intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000,
      afterMs: e.RECONCILE_AFTER_SECONDS * 1000,
      recheckMs: e.RECONCILE_RECHECK_SECONDS * 1000,
      // Not settings: how long past a batch's expiry to wait, and recipients asked about per sweep.
      expiryGraceMs: 3600 * 1000,
      batchSize: 50,
    },
  };
}

/** The environment as the service reads it, and the configuration it becomes. */
export const configSchema = envSchema.transform(toConfig);

export type Config = z.output<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Rules between variables, checked on whatever parses of them: so that a first run with several
 * mistakes hears of all of them at once, these are reported beside the errors of single variables.
 */
function crossVariableErrors(env: Record<string, string | undefined>): string[] {
  const errors: string[] = [];
  const { shape } = envSchema;
  const apiKeys = shape.API_KEYS.safeParse(env.API_KEYS);
  if (env.NODE_ENV === 'production' && apiKeys.success && (apiKeys.data ?? []).length === 0) {
    errors.push('API_KEYS: required when NODE_ENV=production, or anyone who finds the service can send SMS');
  }
  const optOut = shape.OPT_OUT_KEYWORDS.safeParse(env.OPT_OUT_KEYWORDS);
  const optIn = shape.OPT_IN_KEYWORDS.safeParse(env.OPT_IN_KEYWORDS);
  const clash =
    optOut.success && optIn.success ? keywordClash(optOut.data ?? [], optIn.data ?? []) : undefined;
  if (clash) errors.push(`OPT_IN_KEYWORDS: ${clash} is also an opt-out keyword; a reply cannot mean both`);
  const eventUrls = shape.EVENT_WEBHOOK_URLS.safeParse(env.EVENT_WEBHOOK_URLS);
  const eventSecrets = shape.EVENT_WEBHOOK_SECRET.safeParse(env.EVENT_WEBHOOK_SECRET);
  if (eventUrls.success && (eventUrls.data ?? []).length > 0 && eventSecrets.success && !eventSecrets.data) {
    errors.push('EVENT_WEBHOOK_SECRET: required with EVENT_WEBHOOK_URLS, so that receivers can check events');
  }
  const headersMs = shape.HTTP_HEADERS_TIMEOUT_MS.safeParse(env.HTTP_HEADERS_TIMEOUT_MS);
  const requestMs = shape.HTTP_REQUEST_TIMEOUT_MS.safeParse(env.HTTP_REQUEST_TIMEOUT_MS);
  if (headersMs.success && requestMs.success && requestMs.data < headersMs.data) {
    errors.push(
      'HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS (the headers are part of it)',
    );
  }
  return errors;
}

/** Parses the environment once; reports every bad variable, not just the first. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = configSchema.safeParse(env);
  const crossErrors = crossVariableErrors(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, errors: [...errors, ...crossErrors] };
  }
  if (crossErrors.length > 0) return { ok: false, errors: crossErrors };
  return { ok: true, config: parsed.data };
}
