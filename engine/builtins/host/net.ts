// CIDR builtins (net.cidr_*): IPv4/IPv6 addresses as bigints, ranges merged and split back into
// minimal prefixes, Go's address formatting (RFC 5952 for IPv6) and its default masks for bare IPv4
// addresses in net.cidr_merge.
import { readFileSync } from 'node:fs';
import { fail, type Json, str } from './args.js';
import { RegoSet } from './runtime.js';

interface Net {
  v6: boolean;
  /** First address of the network. */
  start: bigint;
  /** Last address of the network. */
  end: bigint;
  prefix: number;
}

export function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

export function parseV6(s: string): bigint | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  let text = s;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const all = [...head, ...Array(8 - explicit).fill(0n), ...rest, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

function parseIp(s: string): { v6: boolean; n: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, n: v4 };
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v6: true, n: v6 };
}

function makeNet(v6: boolean, addr: bigint, prefix: number): Net {
  const bits = v6 ? 128 : 32;
  const hostBits = BigInt(bits - prefix);
  const start = (addr >> hostBits) << hostBits;
  return { v6, start, end: start + (1n << hostBits) - 1n, prefix };
}

function parseCidr(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > (ip.v6 ? 128 : 32)) return undefined;
  return makeNet(ip.v6, ip.n, Number(p));
}

function mustCidr(s: unknown): Net {
  const text = str(s, 'cidr');
  return parseCidr(text) ?? fail(`invalid CIDR address: ${text}`);
}

/** A CIDR, or a bare address as its single-address network. */
function cidrOrIp(s: string): Net {
  const ip = parseIp(s);
  if (ip) return makeNet(ip.v6, ip.n, ip.v6 ? 128 : 32);
  return parseCidr(s) ?? fail(`invalid CIDR or IP address: ${s}`);
}

export function formatIp(n: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  if (n >> 32n === 0xffffn) return formatIp(n & 0xffffffffn, false);
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const within = (outer: Net, inner: Net) =>
  outer.v6 === inner.v6 && outer.start <= inner.start && inner.end <= outer.end;

/** Minimal prefixes covering [start, end]. */
function rangeToCidrs(v6: boolean, start: bigint, end: bigint): string[] {
  const bits = v6 ? 128 : 32;
  const out: string[] = [];
  let cur = start;
  while (cur <= end) {
    let size = 0;
    while (
      size < bits &&
      (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      cur + (1n << BigInt(size + 1)) - 1n <= end
    ) {
      size++;
    }
    out.push(`${formatIp(cur, v6)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}

/** Go's IP.DefaultMask for a bare IPv4 address (class A/B/C). */
function defaultPrefix(n: bigint): number {
  const first = Number(n >> 24n);
  return first < 0x80 ? 8 : first < 0xc0 ? 16 : 24;
}

function merge(addrs: Json[]): RegoSet {
  const nets = addrs.map((a) => {
    const s = str(a, 'address');
    if (s.includes('/')) return mustCidr(s);
    const ip = parseIp(s);
    if (!ip || ip.v6) fail(`${s} is not a CIDR or IPv4 address`);
    return makeNet(false, ip.n, defaultPrefix(ip.n));
  });
  const out: string[] = [];
  for (const v6 of [false, true]) {
    const sorted = nets
      .filter((n) => n.v6 === v6)
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let cur: Net | undefined;
    for (const n of sorted) {
      if (cur && n.start <= cur.end + 1n) {
        if (n.end > cur.end) cur = { ...cur, end: n.end };
      } else {
        if (cur) out.push(...rangeToCidrs(v6, cur.start, cur.end));
        cur = n;
      }
    }
    if (cur) out.push(...rangeToCidrs(v6, cur.start, cur.end));
  }
  return new RegoSet(out);
}

/** Entries of a cidr_contains_matches operand: [key, address] with the key OPA reports. */
function entries(v: Json): [Json, string][] {
  const addr = (x: Json): string => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && typeof x[0] === 'string') return x[0];
    return fail('expected a CIDR string or an array starting with one');
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [i, addr(x)]);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, addr(x)]);
  return fail('operand must be a string, array, set or object');
}

/**
 * net.lookup_ip_addr without the network: an address is its own answer (Go's resolver does the
 * same), names come from the hosts file as Go's resolver reads it first. The SDK calls host
 * builtins synchronously, so a name the hosts file lacks cannot be sent to DNS: that is an error
 * (the call is undefined), never a guess.
 */
function lookupIpAddr(name: string, hostsFile = '/etc/hosts'): RegoSet {
  const ip = parseIp(name);
  if (ip) return new RegoSet([formatIp(ip.n, ip.v6)]);
  const wanted = name.toLowerCase();
  const found: string[] = [];
  let text = '';
  try {
    text = readFileSync(hostsFile, 'utf8');
  } catch {
    // no hosts file: nothing is known locally
  }
  for (const line of text.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const parsed = addr ? parseIp(addr.split('%')[0]) : undefined;
    if (parsed && names.some((n) => n.toLowerCase() === wanted)) {
      found.push(formatIp(parsed.n, parsed.v6));
    }
  }
  if (found.length === 0)
    fail(`lookup ${name}: not in ${hostsFile}, and DNS is not available to host builtins`);
  return new RegoSet(found);
}

export const netBuiltins = {
  'net.lookup_ip_addr': (name: unknown) => lookupIpAddr(str(name)),
  'net.cidr_contains': (cidr: unknown, other: unknown) => within(mustCidr(cidr), cidrOrIp(str(other))),
  'net.cidr_overlap': (cidr: unknown, ip: unknown) => within(mustCidr(cidr), cidrOrIp(str(ip))),
  'net.cidr_intersects': (a: unknown, b: unknown) => {
    const x = mustCidr(a);
    const y = mustCidr(b);
    return x.v6 === y.v6 && x.start <= y.end && y.start <= x.end;
  },
  'net.cidr_is_valid': (s: unknown) => typeof s === 'string' && parseCidr(s) !== undefined,
  'net.cidr_expand': (cidr: unknown) => {
    const n = mustCidr(cidr);
    if (n.end - n.start >= 1n << 20n) fail('CIDR too large to expand');
    const out: string[] = [];
    for (let a = n.start; a <= n.end; a++) out.push(formatIp(a, n.v6));
    return new RegoSet(out);
  },
  'net.cidr_merge': (addrs: unknown) => merge(addrs as Json[]),
  'net.cidr_contains_matches': (cidrs: Json, targets: Json) => {
    const outer = entries(cidrs).map(([k, s]) => [k, mustCidr(s)] as const);
    const inner = entries(targets).map(([k, s]) => [k, cidrOrIp(s)] as const);
    const pairs: Json[] = [];
    for (const [ok, on] of outer) for (const [ik, inet] of inner) if (within(on, inet)) pairs.push([ok, ik]);
    return new RegoSet(pairs);
  },
};
