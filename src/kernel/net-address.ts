/**
 * IP address classes for the URL policy (net-policy.ts): which addresses a tenant's URL may make
 * the gateway connect to. Ranges follow the IANA special-purpose registries (RFC 6890).
 */
import { isIP } from 'node:net';

/** What kind of destination an address is; only `public` is reachable under the `public` policy. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved';

/** An address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A network prefix, e.g. `10.0.0.0/8`. */
export interface Cidr extends IpAddress {
  readonly bits: number;
}

function v4Value(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** RFC 4291 §2.2: eight 16-bit groups, `::` for a run of zeros, an IPv4 dotted quad at the end. */
function v6Value(text: string): bigint {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = v4Value(tail);
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...new Array<string>(8 - h.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses an IP literal (brackets and an IPv6 zone id are accepted); undefined for anything else. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const noZone = bare.split('%')[0];
  const family = isIP(noZone);
  if (family === 4) return { family: 4, value: v4Value(noZone) };
  if (family === 6) return { family: 6, value: v6Value(noZone) };
  return undefined;
}

/** Parses `addr/bits` or a bare address (a host prefix); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, bitsText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if ((bitsText !== undefined && !/^\d+$/.test(bitsText)) || !Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { ...ip, bits };
}

function inPrefix(ip: IpAddress, net: Cidr): boolean {
  if (ip.family !== net.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - net.bits);
  return ip.value >> shift === net.value >> shift;
}

/** RFC 4291 §2.5.5.2: `::ffff:a.b.c.d` is the IPv4 address a.b.c.d. */
export function unwrapMapped(ip: IpAddress): IpAddress {
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) return { family: 4, value: ip.value & 0xffffffffn };
  return ip;
}

/** Whether `ip` (or the IPv4 address it maps) lies in `net`. */
export function cidrContains(net: Cidr, ip: IpAddress): boolean {
  return inPrefix(ip, net) || inPrefix(unwrapMapped(ip), net);
}

function prefix(text: string): Cidr {
  const net = parseCidr(text);
  if (!net) throw new TypeError(`bad built-in prefix ${text}`);
  return net;
}

function table(rows: readonly (readonly [string, AddressClass])[]): readonly (readonly [Cidr, AddressClass])[] {
  return rows.map(([text, cls]) => [prefix(text), cls] as const);
}

/** RFC 6890 §2.2.2, the IPv4 special-purpose registry (first match wins). */
const V4 = table([
  ['0.0.0.0/8', 'unspecified'], // RFC 1122 §3.2.1.3 "this network"
  ['10.0.0.0/8', 'private'], // RFC 1918
  ['100.64.0.0/10', 'cgnat'], // RFC 6598 shared address space
  ['127.0.0.0/8', 'loopback'], // RFC 1122 §3.2.1.3
  ['169.254.0.0/16', 'link-local'], // RFC 3927; cloud metadata lives at 169.254.169.254
  ['172.16.0.0/12', 'private'], // RFC 1918
  ['192.0.0.0/24', 'reserved'], // RFC 6890 IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // RFC 5737 TEST-NET-1
  ['192.88.99.0/24', 'reserved'], // RFC 7526 6to4 relay anycast
  ['192.168.0.0/16', 'private'], // RFC 1918
  ['198.18.0.0/15', 'reserved'], // RFC 2544 benchmarking
  ['198.51.100.0/24', 'reserved'], // RFC 5737 TEST-NET-2
  ['203.0.113.0/24', 'reserved'], // RFC 5737 TEST-NET-3
  ['224.0.0.0/4', 'multicast'], // RFC 5771
  ['240.0.0.0/4', 'reserved'], // RFC 1112 §4, with 255.255.255.255 broadcast
]);

/** RFC 6890 §2.2.3, the IPv6 special-purpose registry; outside 2000::/3 nothing is public. */
const V6 = table([
  ['::/128', 'unspecified'], // RFC 4291 §2.5.2
  ['::1/128', 'loopback'], // RFC 4291 §2.5.3
  ['100::/64', 'reserved'], // RFC 6666 discard-only
  ['2001::/32', 'reserved'], // RFC 4380 Teredo: the IPv4 address inside is obfuscated
  ['2001:db8::/32', 'reserved'], // RFC 3849 documentation
  ['fc00::/7', 'unique-local'], // RFC 4193
  ['fe80::/10', 'link-local'], // RFC 4291 §2.5.6
  ['fec0::/10', 'unique-local'], // RFC 3879 deprecated site-local
  ['ff00::/8', 'multicast'], // RFC 4291 §2.7
]);
const GLOBAL_UNICAST = prefix('2000::/3'); // RFC 4291 §2.4 global unicast

/** IPv6 prefixes with an IPv4 address in their last 32 bits: the IPv4 address decides. */
const EMBEDS_V4_LOW = [
  '::ffff:0:0/96', // RFC 4291 §2.5.5.2 IPv4-mapped
  '::/96', // RFC 4291 §2.5.5.1 IPv4-compatible (deprecated)
  '::ffff:0:0:0/96', // RFC 2765 §2.1 IPv4-translated
  '64:ff9b::/96', // RFC 6052 §2.1 NAT64 well-known prefix
].map(prefix);
const SIX_TO_FOUR = prefix('2002::/16'); // RFC 3056 §2: 2002:V4ADDR::/48

function classifyV4(ip: IpAddress): AddressClass {
  return V4.find(([net]) => inPrefix(ip, net))?.[1] ?? 'public';
}

function embeddedV4(ip: IpAddress): IpAddress | undefined {
  if (EMBEDS_V4_LOW.some((net) => inPrefix(ip, net))) return { family: 4, value: ip.value & 0xffffffffn };
  if (inPrefix(ip, SIX_TO_FOUR)) return { family: 4, value: (ip.value >> 80n) & 0xffffffffn };
  return undefined;
}

/** The class of a parsed address; IPv6 forms that carry an IPv4 address take that address's class. */
export function classifyIp(ip: IpAddress): AddressClass {
  if (ip.family === 4) return classifyV4(ip);
  const exact = V6.find(([net]) => net.bits === 128 && inPrefix(ip, net));
  if (exact) return exact[1];
  const v4 = embeddedV4(ip);
  if (v4) return classifyV4(v4);
  const special = V6.find(([net]) => inPrefix(ip, net));
  if (special) return special[1];
  return inPrefix(ip, GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/** The class of an IP literal; anything that is not one is `reserved` (never reachable). */
export function classifyAddress(text: string): AddressClass {
  const ip = parseIp(text);
  return ip ? classifyIp(ip) : 'reserved';
}

const ARTICLE: Readonly<Record<AddressClass, string>> = {
  public: 'a public',
  loopback: 'a loopback',
  unspecified: 'an unspecified ("this network")',
  private: 'a private',
  cgnat: 'a carrier-grade NAT (shared)',
  'link-local': 'a link-local',
  'unique-local': 'a unique-local',
  multicast: 'a multicast',
  reserved: 'a reserved',
};

/** "a private address", for messages. */
export function describeClass(cls: AddressClass): string {
  return `${ARTICLE[cls]} address`;
}
