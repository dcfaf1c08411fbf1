/** Words that carriers and Sinch treat as opt-out on toll-free and short codes (docs/sinch-sms-api.md §7). */
export const BUILT_IN_OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
/** Words that undo an opt-out. */
export const BUILT_IN_OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
/** "User opted out (STOP)": Sinch's answer when we send to a number the network has blocked. */
export const DEFAULT_OPT_OUT_DELIVERY_CODES = [257];

/** The opt-out part of the configuration, as parsed from the environment. */
export type OptOutConfig = {
  /** Words added to the built-in opt-out words; upper-case. */
  extraOptOutKeywords: string[];
  /** Words added to the built-in opt-in words; upper-case. */
  extraOptInKeywords: string[];
  /** Delivery report codes meaning the recipient opted out; empty switches them off. */
  deliveryCodes: number[];
};

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

/** A configured word that would both opt out and opt in, if any: such a reply has no meaning. */
export function keywordClash(extraOptOut: string[], extraOptIn: string[]): string | undefined {
  const { optOutKeywords, optInKeywords } = optOutRules({
    extraOptOutKeywords: extraOptOut,
    extraOptInKeywords: extraOptIn,
    deliveryCodes: [],
  });
  return [...optInKeywords].find((word) => optOutKeywords.has(word));
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
