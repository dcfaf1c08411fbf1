/**
 * An endpoint's secrets across a rotation: the current one, and those a rotation replaced, each still
 * signing until its overlap ends. Which of them sign is decided when an event is signed, from the
 * stored times: an overlap ends on its own, with no job to run.
 */

/** A secret a rotation replaced, signing too until `until` (ISO time). */
export type RetiringSecret = { secret: string; until: string };

/** The overlap when a rotation names none: a day, time for a receiver to deploy the new secret. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;
export const MAX_OVERLAP_SECONDS = 7 * 86_400;
/**
 * At most this many replaced secrets sign at once (rotations in quick succession): each is one more
 * HMAC per event and one more signature in the header; beyond it the one that ends soonest goes first.
 */
export const MAX_RETIRING_SECRETS = 4;

type SecretColumns = { secrets: string | null; retiring_secrets: string | null };

function parseList<T>(json: string | null): T[] {
  return json === null ? [] : (JSON.parse(json) as T[]);
}

/** The replaced secrets whose overlap has not ended at `nowMs`. */
export function retiringAt(retiringJson: string | null, nowMs: number): RetiringSecret[] {
  return parseList<RetiringSecret>(retiringJson).filter((r) => Date.parse(r.until) > nowMs);
}

/**
 * The secrets that sign an event at `nowMs`: the endpoint's own, then the replaced ones still in their
 * overlap. Undefined for an endpoint with none of its own (EVENT_WEBHOOK_URLS, statusCallbackUrl): those
 * are signed with EVENT_WEBHOOK_SECRET.
 */
export function signingSecrets(
  ownJson: string | null,
  retiringJson: string | null,
  nowMs: number,
): string[] | undefined {
  if (ownJson === null) return undefined;
  const retiring = retiringAt(retiringJson, nowMs).map((r) => r.secret);
  return [...new Set([...parseList<string>(ownJson), ...retiring])];
}

/** When the last replaced secret stops signing; null when none does any more. */
export function overlapEndsAt(retiringJson: string | null, nowMs: number): string | null {
  // ISO times in one form (UTC, milliseconds) sort as they fall.
  return (
    retiringAt(retiringJson, nowMs)
      .map((r) => r.until)
      .sort()
      .at(-1) ?? null
  );
}

/**
 * The columns after `fresh` replaces the current secrets: those sign on for `overlapSeconds` (0: not at
 * all, and neither does any secret an earlier rotation replaced, as when a secret has leaked). Secrets
 * replaced earlier keep their own end; ended ones are dropped.
 */
export function rotateSecrets(
  columns: SecretColumns,
  fresh: string,
  nowMs: number,
  overlapSeconds: number,
): { secrets: string; retiring_secrets: string | null } {
  const secrets = JSON.stringify([fresh]);
  if (overlapSeconds === 0) return { secrets, retiring_secrets: null };
  const until = new Date(nowMs + overlapSeconds * 1000).toISOString();
  const replaced = parseList<string>(columns.secrets).map((secret) => ({ secret, until }));
  const earlier = retiringAt(columns.retiring_secrets, nowMs).filter(
    (r) => !replaced.some((n) => n.secret === r.secret),
  );
  const kept = [...replaced, ...earlier]
    .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))
    .slice(0, MAX_RETIRING_SECRETS);
  return { secrets, retiring_secrets: kept.length === 0 ? null : JSON.stringify(kept) };
}
