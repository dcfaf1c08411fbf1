import { z } from 'zod';

/** Regions Sinch serves the SMS REST API from with service-plan auth (sinch-sms-api.md §1). */
export const SINCH_REGIONS = ['us', 'eu', 'au', 'br', 'ca'] as const;

export const DELIVERY_REPORT_TYPES = [
  'none',
  'summary',
  'full',
  'per_recipient',
  'per_recipient_final',
] as const;

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

const envSchema = z.object({
  SINCH_SERVICE_PLAN_ID: required('the Sinch service plan id').pipe(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, - and _'),
  ),
  SINCH_API_TOKEN: required('the Sinch API token'),
  SINCH_NUMBER: required('the Sinch sender number'),
  SINCH_API_REGION: optional(z.enum(SINCH_REGIONS, { error: `must be one of ${SINCH_REGIONS.join(', ')}` })),
  SINCH_API_BASE_URL: optional(httpUrl),
  SINCH_TIMEOUT_MS: optional(integer(100, 120_000)),
  SINCH_DELIVERY_REPORT: optional(
    z.enum(DELIVERY_REPORT_TYPES, { error: `must be one of ${DELIVERY_REPORT_TYPES.join(', ')}` }),
  ),
  PUBLIC_BASE_URL: optional(httpUrl),
  PORT: optional(integer(0, 65_535)),
  HOST: optional(z.string()),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  RATE_LIMIT_SEND: optional(integer(0, 1_000_000)),
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
    deliveryReport: (typeof DELIVERY_REPORT_TYPES)[number];
  };
  /** Where Sinch reaches this service; when set, every batch carries its callback URL. */
  publicBaseUrl: string | undefined;
  port: number;
  host: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Requests per minute per client on POST /send-sms; 0 switches the limit off. */
  rateLimitSendPerMinute: number;
  /** Express "trust proxy" setting: how many proxies (or which addresses) sit in front of us. */
  trustProxy: boolean | number | string;
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file (created on first start). */
  databaseUrl: string;
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

/** Parses the environment once; reports every bad variable, not just the first. */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, errors };
  }
  const e = parsed.data;
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
        deliveryReport: e.SINCH_DELIVERY_REPORT ?? 'per_recipient',
      },
      publicBaseUrl: e.PUBLIC_BASE_URL,
      port: e.PORT ?? 3000,
      host: e.HOST,
      logLevel: e.LOG_LEVEL ?? 'info',
      rateLimitSendPerMinute: e.RATE_LIMIT_SEND ?? 60,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      databaseUrl: e.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    },
  };
}
