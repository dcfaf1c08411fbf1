import { createHash, timingSafeEqual } from 'node:crypto';

function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Constant-time equality of two secrets. Both sides are hashed first so the comparison always runs
 * over 32 bytes: neither the content nor the length of the expected value leaks through timing.
 */
export function secretsEqual(given: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** True when `given` equals one of `expected`; every candidate is compared, so timing says nothing of which. */
export function matchesAnySecret(given: string | Buffer, expected: readonly string[]): boolean {
  let match = false;
  for (const candidate of expected) {
    // Non-short-circuiting OR: compare all of them even after a match.
    match = secretsEqual(given, candidate) || match;
  }
  return match;
}

/** A short, one-way label for a key, safe to log and to use as a rate-limit bucket. */
export function fingerprint(secret: string): string {
  return sha256(secret).toString('hex').slice(0, 16);
}
