import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard's address rules. Outgoing requests may only reach public unicast addresses;
 * loopback, private (RFC 1918, IPv6 unique-local), link-local, carrier-grade NAT, multicast,
 * broadcast, unspecified, reserved, documentation and benchmarking ranges are refused, also when
 * written as an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96,
 * judged by the embedded IPv4 address), 6to4 or Teredo IPv6 address.
 */
export interface AddressVerdict {
  readonly allowed: boolean;
  /** The range the address belongs to (`unicast` for a public address), for messages. */
  readonly range: string;
  /** The address as it was judged: an IPv4 address embedded in an IPv6 one is unwrapped. */
  readonly judged: string;
}

const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // Zone ids (fe80::1%eth0) only occur on link-local addresses, which are refused anyway.
  const withoutZone = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  if (isIP(withoutZone) === 0) return undefined;
  return ipaddr.parse(withoutZone);
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return ipaddr.IPv4.parse(bytes.slice(12, 16).join('.'));
}

/** Classifies one IP address (v4 or v6, optionally in brackets) for the guard. */
export function classifyAddress(address: string): AddressVerdict {
  const parsed = parseAddress(address);
  if (!parsed) return { allowed: false, range: 'invalid', judged: address };
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    return { allowed: range === 'unicast', range, judged: parsed.toString() };
  }
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress() || v6.match(NAT64)) {
    const inner = classifyAddress(embeddedIPv4(v6).toString());
    return { ...inner, range: inner.allowed ? inner.range : `${inner.range} (in ${v6.range()})` };
  }
  if (v6.match(IPV4_COMPATIBLE)) {
    const range = v6.range() === 'unicast' ? 'ipv4Compatible' : v6.range();
    return { allowed: false, range, judged: v6.toString() };
  }
  const range = v6.range();
  return { allowed: range === 'unicast', range, judged: v6.toString() };
}

/**
 * Exceptions to the guard (`WEFT_HTTP_ALLOW_PRIVATE`): IP addresses and CIDR ranges match the
 * resolved address, host names match the URL's host exactly (case-insensitive), `*` turns the
 * guard off (development only).
 */
export interface AllowList {
  readonly all: boolean;
  readonly hosts: ReadonlySet<string>;
  readonly ranges: readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[];
  /** The list as configured, for start-up logs. */
  readonly entries: readonly string[];
}

export const EMPTY_ALLOW_LIST: AllowList = { all: false, hosts: new Set(), ranges: [], entries: [] };

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Parses a comma-separated allow list; throws naming the entry that is neither host, IP nor CIDR. */
export function parseAllowList(value: string): AllowList {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const hosts = new Set<string>();
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  let all = false;
  for (const entry of entries) {
    if (entry === '*') {
      all = true;
      continue;
    }
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new Error(`"${entry}" is not a valid CIDR range`);
      ranges.push(ipaddr.parseCIDR(entry));
      continue;
    }
    const address = parseAddress(entry);
    if (address) {
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      continue;
    }
    const host = entry.toLowerCase();
    if (!HOST_NAME.test(host))
      throw new Error(`"${entry}" is neither a host name, an IP address nor a CIDR range`);
    hosts.add(host.replace(/\.$/, ''));
  }
  return { all, hosts, ranges, entries };
}

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, range: readonly [ipaddr.IPv4 | ipaddr.IPv6, number]) {
  const [network, bits] = range;
  if (address.kind() === network.kind()) return address.match(network, bits);
  // An IPv4 range also covers the IPv4-mapped form of its addresses, and vice versa.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    return (address as ipaddr.IPv6).toIPv4Address().match(network, bits);
  if (address.kind() === 'ipv4' && network.kind() === 'ipv6')
    return (address as ipaddr.IPv4).toIPv4MappedAddress().match(network, bits);
  return false;
}

/** Whether the allow list lets a request reach `address` (a resolved IP) despite the guard. */
export function allowListPermitsAddress(list: AllowList, address: string): boolean {
  if (list.all) return true;
  const parsed = parseAddress(address);
  return parsed !== undefined && list.ranges.some((range) => inRange(parsed, range));
}

export function allowListPermitsHost(list: AllowList, host: string): boolean {
  return list.all || list.hosts.has(host.toLowerCase().replace(/\.$/, ''));
}
