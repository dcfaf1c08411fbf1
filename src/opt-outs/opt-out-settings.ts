import {
  BUILT_IN_OPT_IN_KEYWORDS,
  BUILT_IN_OPT_OUT_KEYWORDS,
  type Config,
  DEFAULT_OPT_OUT_DELIVERY_CODES,
} from '../config';

/** The opt-out part of the configuration, as parsed from the environment. */
export type OptOutConfig = Config['optOuts'];

/** What the callback hooks match against: the built-in words and the configured ones together. */
export type OptOutRules = {
  optOutKeywords: ReadonlySet<string>;
  optInKeywords: ReadonlySet<string>;
  deliveryCodes: ReadonlySet<number>;
};

/** The rules for a configuration; without one, the built-in words and code 257. */
export function optOutRules(config: OptOutConfig | undefined): OptOutRules {
  return {
    optOutKeywords: new Set([...BUILT_IN_OPT_OUT_KEYWORDS, ...(config?.extraOptOutKeywords ?? [])]),
    optInKeywords: new Set([...BUILT_IN_OPT_IN_KEYWORDS, ...(config?.extraOptInKeywords ?? [])]),
    deliveryCodes: new Set(config?.deliveryCodes ?? DEFAULT_OPT_OUT_DELIVERY_CODES),
  };
}

/** The keyword an inbound text is, if it is one: the whole body, trimmed, in any case. */
export function matchKeyword(
  body: unknown,
  rules: OptOutRules,
): { action: 'opt_out' | 'opt_in'; keyword: string } | undefined {
  if (typeof body !== 'string') return undefined;
  const word = body.trim().toUpperCase();
  if (rules.optOutKeywords.has(word)) return { action: 'opt_out', keyword: word };
  if (rules.optInKeywords.has(word)) return { action: 'opt_in', keyword: word };
  return undefined;
}
