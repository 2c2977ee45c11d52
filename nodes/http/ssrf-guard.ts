// SSRF guard: user-designed workflows must not reach the worker's own network (metadata services, databases,
// admin ports). Private, loopback and link-local addresses are refused unless an allowlist entry permits them.
// The check runs on every resolved address at connect time, so DNS rebinding cannot slip past it.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface HttpPolicy {
  /** Host names, IP addresses or CIDR ranges (e.g. "127.0.0.1", "db.internal", "10.0.0.0/8") that may be private. */
  allowedHosts: string[];
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

export class SsrfError extends Error {
  readonly code = 'HTTP_SSRF_BLOCKED';
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 counts as two). */
function groups(address: string): number[] | undefined {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const all = [...left, ...fill, ...right];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : undefined;
}

/**
 * The IPv4 address an IPv6 one stands for, where the network may deliver it to that IPv4 host: mapped
 * (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/48).
 */
function embeddedIpv4(address: string): string | undefined {
  const g = groups(address);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || (g[7] ?? 0) > 1)))) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

/** ::ffff:127.0.0.1 (and the other IPv6 forms of an IPv4 address) is 127.0.0.1. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (isIP(address) !== 6) return { address, family: 'ipv4' };
  const v4 = embeddedIpv4(address);
  return v4 ? { address: v4, family: 'ipv4' } : { address, family: 'ipv6' };
}

export function isPrivateAddress(address: string): boolean {
  const n = normalise(address);
  return PRIVATE.check(n.address, n.family);
}

export function createAllowlist(policy: HttpPolicy): (host: string, address: string) => boolean {
  const ranges = new BlockList();
  const names = new Set<string>();
  for (const entry of policy.allowedHosts) {
    const [net, prefix] = entry.split('/');
    if (net && isIP(net)) {
      const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
      if (prefix !== undefined) ranges.addSubnet(net, Number(prefix), family);
      else ranges.addAddress(net, family);
    } else names.add(entry.toLowerCase());
  }
  return (host, address) => {
    if (names.has(host.toLowerCase())) return true;
    const n = normalise(address);
    return ranges.check(n.address, n.family);
  };
}

/** Refuses a URL whose host is a private IP literal (no DNS lookup happens for those). */
export function checkUrl(url: URL, allowed: (host: string, address: string) => boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isPrivateAddress(host) && !allowed(host, host)) {
    throw new SsrfError(`Requests to private address ${host} are not allowed (add it to LOOM_HTTP_ALLOWED_HOSTS to permit it)`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement for undici's connector that refuses private answers. */
export function guardedLookup(allowed: (host: string, address: string) => boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const blocked = list.find((a) => isPrivateAddress(a.address) && !allowed(hostname, a.address));
      if (blocked)
        return callback(
          new SsrfError(
            `${hostname} resolves to private address ${blocked.address}; connections there are not allowed (add it to LOOM_HTTP_ALLOWED_HOSTS to permit it)`,
          ),
          [],
        );
      if (options.all) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`${hostname} has no address`), []);
    });
  };
}

/** For connections other than HTTP (a database): the guarded lookup's first address for `host` (a name or an IP). */
export function resolveAllowed(host: string, allowed: (host: string, address: string) => boolean): Promise<string> {
  const lookup = guardedLookup(allowed);
  return new Promise((resolve, reject) =>
    lookup(host.replace(/^\[|\]$/g, ''), {}, (err, address) => (err ? reject(err) : resolve(address as string))),
  );
}
