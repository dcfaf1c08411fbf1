import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * A URL an API caller chose is a way into our own network (SSRF) unless checked: https only, and no
 * host that resolves to a loopback, link-local, private or otherwise internal address. Checked when
 * the URL is registered and again, on the address actually connected to, at every delivery (a name
 * can be re-pointed after it passed the first check).
 */
export type UrlRules = { allowHttp: boolean; allowPrivate: boolean };

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  internal.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  internal.addSubnet(net, bits, 'ipv6');
}

/** True for an address inside our own network or the machine itself, IPv4-mapped IPv6 included. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return internal.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why the URL is refused, or undefined when it may be used. Resolves the host name. */
export async function checkCallbackUrl(raw: string, rules: UrlRules): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && !(rules.allowHttp && url.protocol === 'http:')) {
    return rules.allowHttp ? 'must be an http or https URL' : 'must be an https URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (rules.allowPrivate) return undefined;
  const refused = await refusedAddress(url.hostname.replace(/^\[|\]$/g, ''));
  return refused ? `resolves to ${refused}, an internal address` : undefined;
}

/** The first internal address the host resolves to, or the reason it does not resolve. */
async function refusedAddress(host: string): Promise<string | undefined> {
  try {
    const addresses = await lookup(host, { all: true, verbatim: true });
    return addresses.find((a) => isInternalAddress(a.address))?.address;
  } catch {
    return 'nothing (the name does not resolve)';
  }
}
