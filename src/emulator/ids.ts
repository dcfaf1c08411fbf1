import { randomBytes } from 'node:crypto';

// Crockford base32: no I, L, O, U, so ids survive being read aloud or retyped.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped id (26 chars): 10 chars of millisecond time, then 16 random chars.
 * Sinch batch ids look like this (`01FC66621XXXXX119Z8PMV1QPQ`), so ids sort by creation time.
 */
export function newUlid(nowMs: number = Date.now()): string {
  let time = '';
  let rest = Math.max(0, Math.floor(nowMs));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(rest % 32) + time;
    rest = Math.floor(rest / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (const byte of random) tail += CROCKFORD.charAt(byte % 32);
  return time + tail;
}
