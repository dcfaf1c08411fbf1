import type { IncomingHttpHeaders } from 'node:http';
import { secretsEqual } from '../core/secret-compare';

export type BasicCredential = { username: string; password: string };

/** The user and password of an `Authorization: Basic …` header, or undefined when there is none. */
export function parseBasicAuth(headers: IncomingHttpHeaders): BasicCredential | undefined {
  const match = headers.authorization?.match(/^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** True when the header carries one of the configured pairs; every pair is compared in constant time. */
export function basicAuthMatches(
  headers: IncomingHttpHeaders,
  accepted: readonly BasicCredential[],
): boolean {
  const given = parseBasicAuth(headers);
  if (!given) return false;
  let match = false;
  for (const pair of accepted) {
    // Both halves always compared, so timing does not tell a right user from a wrong one.
    const userOk = secretsEqual(given.username, pair.username);
    const passwordOk = secretsEqual(given.password, pair.password);
    match = (userOk && passwordOk) || match;
  }
  return match;
}
