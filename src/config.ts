import { z } from 'zod';
import { keywordClash, type OptOutConfig } from './opt-outs/opt-out-settings';
import { DELIVERY_REPORT_TYPES } from './sinch/batches.schemas';

/** Regions Sinch serves the SMS REST API from with service-plan auth (docs/sinch-sms-api.md §1). */
export const SINCH_REGIONS = ['us', 'eu', 'au', 'br', 'ca'] as const;

export const DEFAULT_DATABASE_URL = 'sqlite:./data/sms.sqlite';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// `.env` files often hold `NAME=` for "not set"; treat blank as absent so defaults apply.
const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUndefined, schema.optional());

const required = (what: string) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() : value),
    z.string({ error: `${what} is required` }).min(1, `${what} is required`),
  );

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `a,b , c` → `['a','b','c']`; blank entries dropped (a trailing comma is harmless). */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

const apiKey = z
  .string()
  .min(16, 'each key must be at least 16 characters (e.g. openssl rand -hex 32)')
  .regex(/^[\x21-\x7e]+$/, 'each key must be printable ASCII without spaces');

const basicPair = z
  .string()
  .regex(/^[^:]+:.+$/, 'each entry must be user:password')
  .transform((pair) => {
    const colon = pair.indexOf(':');
    return { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
  });

// `+44`, `0044` or `44` all mean calling code 44; stored as digits, the form numbers are matched in.
const destinationPrefix = z
  .string()
  .regex(/^(\+|00)?[1-9]\d{0,14}$/, 'each prefix must be digits, optionally after + (e.g. +44,+1555)')
  .transform((prefix) => prefix.replace(/^(\+|00)/, ''));

// A keyword is matched against the whole trimmed body, case-insensitively: kept upper-case.
const keyword = z
  .string()
  .max(32, 'each keyword must be at most 32 characters')
  .regex(/^\S+$/, 'each keyword must be one word')
  .transform((word) => word.toUpperCase());

// `none` switches delivery-code opt-outs off (blank means the default).
const deliveryCodes = z.union([
  z.literal('none').transform(() => [] as number[]),
  commaList(
    z
      .string()
      .regex(/^\d{1,5}$/, 'each code must be a number such as 257')
      .transform(Number),
  ),
]);

const envSchema = z.object({
  SINCH_SERVICE_PLAN_ID: required('the Sinch service plan id').pipe(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, - and _'),
  ),
  SINCH_API_TOKEN: required('the Sinch API token'),
  SINCH_NUMBER: required('the Sinch sender number'),
  SINCH_API_REGION: optional(z.enum(SINCH_REGIONS, { error: `must be one of ${SINCH_REGIONS.join(', ')}` })),
  SINCH_API_BASE_URL: optional(httpUrl),
  SINCH_TIMEOUT_MS: optional(integer(100, 120_000)),
  SINCH_MAX_ATTEMPTS: optional(integer(1, 10)),
  SINCH_RETRY_BASE_MS: optional(integer(1, 60_000)),
  SINCH_RETRY_MAX_MS: optional(integer(0, 300_000)),
  RECONCILE_INTERVAL_SECONDS: optional(integer(0, 86_400)),
  RECONCILE_AFTER_SECONDS: optional(integer(0, 7 * 86_400)),
  RECONCILE_RECHECK_SECONDS: optional(integer(1, 7 * 86_400)),
  IDEMPOTENCY_TTL_HOURS: optional(integer(1, 24 * 30)),
  MAX_MESSAGE_PARTS: optional(integer(0, 255)),
  SINCH_DELIVERY_REPORT: optional(
    z.enum(DELIVERY_REPORT_TYPES, { error: `must be one of ${DELIVERY_REPORT_TYPES.join(', ')}` }),
  ),
  PUBLIC_BASE_URL: optional(httpUrl),
  PORT: optional(integer(0, 65_535)),
  HOST: optional(z.string()),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  RATE_LIMIT_SEND: optional(integer(0, 1_000_000)),
  RATE_LIMIT_WEBHOOK: optional(integer(0, 1_000_000)),
  API_KEYS: optional(commaList(apiKey)),
  SINCH_WEBHOOK_SECRET: optional(commaList(z.string())),
  WEBHOOK_BASIC_AUTH: optional(commaList(basicPair)),
  WEBHOOK_MAX_AGE_SECONDS: optional(integer(0, 365 * 86_400)),
  ALLOWED_DESTINATION_PREFIXES: optional(commaList(destinationPrefix)),
  MAX_SMS_PER_NUMBER_PER_HOUR: optional(integer(0, 1_000_000)),
  MAX_SMS_PER_DAY: optional(integer(0, 100_000_000)),
  OPT_OUT_KEYWORDS: optional(commaList(keyword)),
  OPT_IN_KEYWORDS: optional(commaList(keyword)),
  OPT_OUT_DELIVERY_CODES: optional(deliveryCodes),
  NODE_ENV: optional(z.string()),
  TRUST_PROXY: optional(z.string()),
  DATABASE_URL: optional(
    z
      .string()
      .refine(
        (url) => /^(postgres(ql)?:\/\/|sqlite:|[./]|:memory:$)/.test(url),
        'must be postgres://…, sqlite:<path> or a file path',
      ),
  ),
});

export type Config = {
  sinch: {
    servicePlanId: string;
    apiToken: string;
    number: string;
    region: (typeof SINCH_REGIONS)[number];
    /** Origin the client talks to: the region's host unless SINCH_API_BASE_URL replaces it. */
    baseUrl: string;
    timeoutMs: number;
    /** Attempts per call, the first included; retries only where repeating is safe. */
    maxAttempts: number;
    /** First back-off delay; doubles per retry, with jitter. */
    retryBaseMs: number;
    /** Total time a call may spend waiting between attempts. */
    retryMaxMs: number;
    deliveryReport: (typeof DELIVERY_REPORT_TYPES)[number];
  };
  /** Where Sinch reaches this service; when set, every batch carries its callback URL. */
  publicBaseUrl: string | undefined;
  port: number;
  host: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Requests per minute per client on POST /send-sms; 0 switches the limit off. */
  rateLimitSendPerMinute: number;
  /** Keys accepted on POST /send-sms and GET /messages/:id; empty means no authentication (dev only). */
  apiKeys: string[];
  /** How POST /webhooks/dlr checks that a callback comes from Sinch; a callback passing either check is accepted. */
  webhookAuth: {
    /** Sinch HMAC secrets; several so that one can be rotated without losing callbacks. */
    hmacSecrets: string[];
    /** HTTP Basic credentials configured on the callback URL, several for rotation. */
    basicCredentials: Array<{ username: string; password: string }>;
    /** Oldest signature timestamp accepted, in seconds; 0 switches the freshness check off. */
    maxAgeSeconds: number;
  };
  /** Callbacks per minute per client on POST /webhooks/dlr; 0 switches the limit off. */
  rateLimitWebhookPerMinute: number;
  /** Guard rails against SMS pumping; every 0 or empty value switches its limit off. */
  sendLimits: {
    /** Digits that a destination must start with (calling codes or longer prefixes); empty allows all. */
    allowedDestinationPrefixes: string[];
    /** Messages to one number in a rolling hour. */
    maxPerNumberPerHour: number;
    /** Messages in one UTC calendar day, all destinations together. */
    maxPerDay: number;
  };
  /**
   * Inbound keywords and delivery codes that put a number on the opt-out list or take it off.
   * Optional so that configs built in code before opt-outs existed still type-check; absent means
   * the built-in keywords and code 257.
   */
  optOuts: OptOutConfig;
  /** Express "trust proxy" setting: how many proxies (or which addresses) sit in front of us. */
  trustProxy: boolean | number | string;
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file (created on first start). */
  databaseUrl: string;
  /** Longest message, in SMS parts per recipient; passed to Sinch too. 0: no limit. */
  maxMessageParts: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlMs: number;
  /** The sweep that asks Sinch about recipients whose report never came. */
  reconcile: {
    /** How often a sweep runs; 0 switches reconciliation off. */
    intervalMs: number;
    afterMs: number;
    recheckMs: number;
    expiryGraceMs: number;
    batchSize: number;
  };
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

export function sinchRegionOrigin(region: Config['sinch']['region']): string {
  return `https://${region}.sms.api.sinch.com`;
}

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined) return 'loopback';
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

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
  return errors;
}

/** Parses the environment once; reports every bad variable, not just the first. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const crossErrors = crossVariableErrors(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, errors: [...errors, ...crossErrors] };
  }
  if (crossErrors.length > 0) return { ok: false, errors: crossErrors };
  const e = parsed.data;
  const apiKeys = e.API_KEYS ?? [];
  const optOuts = {
    extraOptOutKeywords: e.OPT_OUT_KEYWORDS ?? [],
    extraOptInKeywords: e.OPT_IN_KEYWORDS ?? [],
    deliveryCodes: e.OPT_OUT_DELIVERY_CODES ?? [257],
  };
  const region = e.SINCH_API_REGION ?? 'us';
  return {
    ok: true,
    config: {
      sinch: {
        servicePlanId: e.SINCH_SERVICE_PLAN_ID,
        apiToken: e.SINCH_API_TOKEN,
        number: e.SINCH_NUMBER,
        region,
        baseUrl: e.SINCH_API_BASE_URL ?? sinchRegionOrigin(region),
        timeoutMs: e.SINCH_TIMEOUT_MS ?? 10_000,
        maxAttempts: e.SINCH_MAX_ATTEMPTS ?? 4,
        retryBaseMs: e.SINCH_RETRY_BASE_MS ?? 500,
        retryMaxMs: e.SINCH_RETRY_MAX_MS ?? 15_000,
        deliveryReport: e.SINCH_DELIVERY_REPORT ?? 'per_recipient',
      },
      publicBaseUrl: e.PUBLIC_BASE_URL,
      port: e.PORT ?? 3000,
      host: e.HOST,
      logLevel: e.LOG_LEVEL ?? 'info',
      rateLimitSendPerMinute: e.RATE_LIMIT_SEND ?? 60,
      apiKeys,
      webhookAuth: {
        hmacSecrets: e.SINCH_WEBHOOK_SECRET ?? [],
        basicCredentials: e.WEBHOOK_BASIC_AUTH ?? [],
        // Sinch retries a callback for one to two days, maybe re-sending the first signature: 3 days.
        maxAgeSeconds: e.WEBHOOK_MAX_AGE_SECONDS ?? 259_200,
      },
      rateLimitWebhookPerMinute: e.RATE_LIMIT_WEBHOOK ?? 6_000,
      sendLimits: {
        allowedDestinationPrefixes: e.ALLOWED_DESTINATION_PREFIXES ?? [],
        maxPerNumberPerHour: e.MAX_SMS_PER_NUMBER_PER_HOUR ?? 10,
        maxPerDay: e.MAX_SMS_PER_DAY ?? 10_000,
      },
      optOuts,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      databaseUrl: e.DATABASE_URL ?? DEFAULT_DATABASE_URL,
      idempotencyTtlMs: (e.IDEMPOTENCY_TTL_HOURS ?? 24) * 3600 * 1000,
      maxMessageParts: e.MAX_MESSAGE_PARTS ?? 0,
      reconcile: {
        intervalMs: (e.RECONCILE_INTERVAL_SECONDS ?? 60) * 1000,
        afterMs: (e.RECONCILE_AFTER_SECONDS ?? 600) * 1000,
        recheckMs: (e.RECONCILE_RECHECK_SECONDS ?? 900) * 1000,
        expiryGraceMs: 3600 * 1000,
        batchSize: 50,
      },
    },
  };
}
