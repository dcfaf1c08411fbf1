/** Sinch timestamps normalised to `toISOString()` form so they compare as text; unparsable ones are dropped. */
export function normalizeTimestamp(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
