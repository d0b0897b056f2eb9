import { isIP } from 'node:net';

/**
 * IP addresses as numbers, CIDR ranges and network prefixes, for IPv4 and IPv6 alike. IPv4 is
 * kept in 32 bits; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is read as its IPv4 address,
 * so the two spellings of one client match the same ranges and networks.
 */
export interface ParsedIp {
  version: 4 | 6;
  value: bigint;
}

export interface Cidr {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/** The address as a number, or undefined when it is not an IP address. */
export function parseIp(text: string | undefined): ParsedIp | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  const kind = isIP(trimmed);
  if (kind === 4) return { version: 4, value: ipv4ToBigInt(trimmed) };
  if (kind !== 6) return undefined;
  const value = ipv6ToBigInt(trimmed);
  if (value >> 32n === 0xffffn) return { version: 4, value: value & 0xffffffffn };
  return { version: 6, value };
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  let address = text.split('%')[0]!;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const dotted = address.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = ipv4ToBigInt(dotted[1]!);
    address = `${address.slice(0, -dotted[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(Number.parseInt(part || '0', 16)), 0n);
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128); undefined if malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip) return undefined;
  // A mapped IPv6 range (::ffff:0:0/96 and narrower) is an IPv4 range.
  const mappedOffset = ip.version === 4 && isIP(address!.trim()) === 6 ? 96 : 0;
  const bits = BITS[ip.version];
  const prefix = prefixText === undefined ? bits : Number(prefixText) - mappedOffset;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { version: ip.version, base: maskTo(ip.value, prefix, bits), prefix };
}

function maskTo(value: bigint, prefix: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

/** True when the address lies in the range. */
export function inCidr(ip: ParsedIp, cidr: Cidr): boolean {
  return ip.version === cidr.version && maskTo(ip.value, cidr.prefix, BITS[ip.version]) === cidr.base;
}

/**
 * The network an address belongs to, as a stable string: its /24 for IPv4 and its /48 for
 * IPv6 (the usual allocation to one site), e.g. `203.0.113.0/24`, `2001:db8:1::/48`.
 */
export function networkOf(ip: ParsedIp): string {
  if (ip.version === 4) {
    const base = maskTo(ip.value, 24, 32);
    const octets = [24n, 16n, 8n, 0n].map((shift) => ((base >> shift) & 0xffn).toString());
    return `${octets.join('.')}/24`;
  }
  const base = maskTo(ip.value, 48, 128);
  const hextets = [112n, 96n, 80n].map((shift) => ((base >> shift) & 0xffffn).toString(16));
  return `${hextets.join(':')}::/48`;
}

/** The canonical text of an address (IPv4 dotted, IPv6 full lower-case hextets), for keys and comparison. */
export function canonicalIp(ip: ParsedIp): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((ip.value >> shift) & 0xffn).toString()).join('.');
  }
  const hextets: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n)
    hextets.push(((ip.value >> shift) & 0xffffn).toString(16));
  return hextets.join(':');
}

/**
 * The key an IP address is counted under outside the per-attempt counters (sign-up velocity, the
 * failed-invite signal): trimmed, an IPv4-mapped IPv6 address read as its IPv4 address, IPv4
 * whole (`198.51.100.77`) and IPv6 by its /64 (`2001:db8:0:1:0:0:0:0/64`: one subscriber usually
 * holds a whole /64, so counting single IPv6 addresses counts nothing). Undefined when the text
 * is no IP address.
 */
export function ipBucket(text: string | undefined): string | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  if (ip.version === 4) return canonicalIp(ip);
  return `${canonicalIp({ version: 6, value: (ip.value >> 64n) << 64n })}/64`;
}
