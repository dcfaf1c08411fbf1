import { z } from 'zod';

/** The groups of settings in docs/configuration.md, in order. */
export const SETTING_GROUPS = {
  sinch: 'Sinch',
  service: 'Service',
  security: 'Security',
  sending: 'Sending and tracking',
  optOuts: 'Opt-outs',
  limits: 'Request limits and retention',
  events: 'Events to your application',
} as const;

export type SettingDoc = {
  group: keyof typeof SETTING_GROUPS;
  /** What the variable does, in Markdown. */
  description: string;
  /** The value that applies when the variable is unset or blank, written as in `.env`. */
  default?: string;
  /** For a variable without a default: what leaving it unset means. */
  unset?: string;
  required?: true;
};

/** Where each variable's documentation is kept, keyed by its schema in `envSchema.shape`. */
export const settingDocs = z.registry<SettingDoc>();

// `.env` files often hold `NAME=` for "not set"; treat blank as absent so defaults apply.
const blankAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** `a`, `b`, `c` for a description. */
export const codeList = (values: readonly string[]) => values.map((value) => `\`${value}\``).join(', ');

type Doc = Omit<SettingDoc, 'default' | 'required' | 'unset'>;

/** Files the doc beside the schema (a plain helper: zod's `register` cannot be typed over a generic). */
function documented<S extends z.ZodType>(schema: S, doc: SettingDoc): S {
  settingDocs.add(schema as z.ZodType, doc);
  return schema;
}

/** Must be set; blank counts as missing. `what` names it in the error. */
export function required<T extends z.ZodType<unknown, string>>(what: string, schema: T, doc: Doc) {
  const trimmed = z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() : value),
    z
      .string({ error: `${what} is required` })
      .min(1, `${what} is required`)
      .pipe(schema),
  );
  return documented(trimmed, { ...doc, required: true });
}

/** Unset or blank means `fallback`, which is parsed like any value (so it is checked too). */
export function withDefault<T extends z.ZodType>(fallback: string, schema: T, doc: Doc) {
  const schemaOrDefault = z.preprocess((value) => blankAsUndefined(value) ?? fallback, schema);
  return documented(schemaOrDefault, { ...doc, default: fallback });
}

/** Unset or blank means `undefined`; `unset` says what that does. */
export function optional<T extends z.ZodType>(schema: T, unset: string, doc: Doc) {
  return documented(z.preprocess(blankAsUndefined, schema.optional()), { ...doc, unset });
}
