import { z } from 'zod';

/**
 * The kinds of value an environment variable can hold, each a zod schema from the string in the
 * environment to what the service uses. The variables themselves are declared in `env-schema.ts`.
 */

/** Regions Sinch serves the SMS REST API from with service-plan auth (docs/sinch-sms-api.md §1). */
export const SINCH_REGIONS = ['us', 'eu', 'au', 'br', 'ca'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Words that carriers and Sinch treat as opt-out on toll-free and short codes (docs/sinch-sms-api.md §7). */
export const BUILT_IN_OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
/** Words that undo an opt-out. */
export const BUILT_IN_OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
/** "User opted out (STOP)": Sinch's answer when we send to a number the network has blocked. */
export const DEFAULT_OPT_OUT_DELIVERY_CODES: readonly number[] = [257];

/** One of a fixed set of words; the error lists them. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

export const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `a,b , c` → `['a','b','c']`; blank entries dropped (a trailing comma is harmless). */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

export const servicePlanId = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, - and _');

export const apiKey = z
  .string()
  .min(16, 'each key must be at least 16 characters (e.g. openssl rand -hex 32)')
  .regex(/^[\x21-\x7e]+$/, 'each key must be printable ASCII without spaces');

export const basicPair = z
  .string()
  .regex(/^[^:]+:.+$/, 'each entry must be user:password')
  .transform((pair) => {
    const colon = pair.indexOf(':');
    return { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
  });

// `+44`, `0044` or `44` all mean calling code 44; stored as digits, the form numbers are matched in.
export const destinationPrefix = z
  .string()
  .regex(/^(\+|00)?[1-9]\d{0,14}$/, 'each prefix must be digits, optionally after + (e.g. +44,+1555)')
  .transform((prefix) => prefix.replace(/^(\+|00)/, ''));

// A keyword is matched against the whole trimmed body, case-insensitively: kept upper-case.
export const keyword = z
  .string()
  .max(32, 'each keyword must be at most 32 characters')
  .regex(/^\S+$/, 'each keyword must be one word')
  .transform((word) => word.toUpperCase());

// `none` switches delivery-code opt-outs off.
export const deliveryCodes = z.union([
  z.literal('none').transform(() => [] as number[]),
  commaList(
    z
      .string()
      .regex(/^\d{1,5}$/, 'each code must be a number such as 257')
      .transform(Number),
  ),
]);

/** Express "trust proxy": `true`, `false`, a hop count, or addresses/names passed on as written. */
export const trustProxy = z.string().transform((value): boolean | number | string => {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
});

export const databaseUrl = z
  .string()
  .refine(
    (url) => /^(postgres(ql)?:\/\/|sqlite:|[./]|:memory:$)/.test(url),
    'must be postgres://…, sqlite:<path> or a file path',
  );

/** A configured word that would both opt out and opt in, if any: such a reply has no meaning. */
export function keywordClash(
  extraOptOut: readonly string[],
  extraOptIn: readonly string[],
): string | undefined {
  const optOut = new Set<string>([...BUILT_IN_OPT_OUT_KEYWORDS, ...extraOptOut]);
  return [...BUILT_IN_OPT_IN_KEYWORDS, ...extraOptIn].find((word) => optOut.has(word));
}
