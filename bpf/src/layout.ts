// Byte encoders for the structs in bpf/include/types.h (the one definition on the C side);
// layout.test.ts compiles a C program printing sizeof/offsetof and compares with LAYOUT below.
import { isIP } from 'node:net';
import { BpfError } from './errors.js';

export const AF_INET = 2;
export const AF_INET6 = 10;

/** Sizes and offsets the encoders rely on, checked against the C compiler by layout.test.ts. */
export const LAYOUT = {
  sm_endpoint: { size: 20, addr: 0, port: 16, family: 18 },
  sm_target: { size: 4, waypoint_port: 0, flags: 2 },
  sm_config: {
    size: 40,
    waypoint_cgroup_id: 0,
    waypoint_tgid: 8,
    waypoint_ip4: 12,
    waypoint_ip6: 16,
    waypoint_port: 32,
    flags: 34,
  },
  sm_sock_pair: { size: 36, local_addr: 0, remote_addr: 16, local_port: 32, remote_port: 34 },
  sm_origin: { size: 32, dst: 0, tgid: 20, cgroup_id: 24 },
} as const;

export const CFG_ENABLED = 0x1;
export const CFG_SKMSG = 0x2;

/** Indexes of sm_stats_v1 (enum sm_stat). */
export const STATS = {
  redirected: 0,
  skippedWaypoint: 1,
  established: 2,
  sockoptHit: 3,
  sockoptMiss: 4,
  skmsgRedirect: 5,
  originHit: 6,
  originMiss: 7,
} as const;
export const STAT_SLOTS = 8;

export interface Endpoint {
  /** Dotted IPv4 or IPv6 text; IPv4-mapped IPv6 (::ffff:1.2.3.4) counts as IPv4. */
  ip: string;
  port: number;
}

/** An intercepted endpoint, optionally sent to its own waypoint port (e.g. the TLS listener). */
export interface Target extends Endpoint {
  waypointPort?: number;
}

export interface OriginalDestination {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BpfError(
      'SM_ERR_BPF_TARGET_INVALID',
      `port must be an integer in 1..65535, got ${String(port)}`,
    );
  }
}

/** 16 bytes: IPv6 as is, IPv4 (or IPv4-mapped) as ::ffff:a.b.c.d. */
export function ip16(ip: string): Buffer {
  const out = Buffer.alloc(16);
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    v4.split('.').forEach((o, i) => {
      out[12 + i] = Number(o);
    });
    return out;
  }
  if (isIP(ip) !== 6)
    throw new BpfError('SM_ERR_BPF_TARGET_INVALID', `not an IP address: ${JSON.stringify(ip)}`);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let left = parse(head);
  let right = parse(tail);
  // An embedded dotted quad at the end (::ffff:1.2.3.4 was handled above; others are rare).
  const expand = (groups: string[]): string[] =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const b = g.split('.').map(Number);
      return [((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
    });
  left = expand(left);
  right = expand(right);
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

function isMapped(b: Buffer, off: number): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
}

function ip16Text(b: Buffer, off: number): string {
  if (isMapped(b, off)) return `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(off + i * 2).toString(16));
  // Compress the longest run of zero groups, as the canonical text form does.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** sm_endpoint as a map key (family 0). */
export function encodeEndpointKey(ep: Endpoint): Buffer {
  checkPort(ep.port);
  const b = Buffer.alloc(LAYOUT.sm_endpoint.size);
  ip16(ep.ip).copy(b, LAYOUT.sm_endpoint.addr);
  b.writeUInt16BE(ep.port, LAYOUT.sm_endpoint.port);
  return b;
}

export function decodeEndpoint(b: Buffer): OriginalDestination & { rawFamily: number } {
  const L = LAYOUT.sm_endpoint;
  const rawFamily = b.readUInt16LE(L.family);
  const mapped = isMapped(b, L.addr);
  return {
    address: ip16Text(b, L.addr),
    port: b.readUInt16BE(L.port),
    family: mapped ? 'IPv4' : 'IPv6',
    rawFamily,
  };
}

/** Who connected, as connect4/6 recorded it (struct sm_origin, answered to SM_SO_PEER_ORIGIN). */
export interface PeerOrigin {
  destination: OriginalDestination;
  /** The cgroup v2 id (inode of the cgroup's directory in the cgroup2 mount) of the connecting task. */
  cgroupId: bigint;
  /** Its tgid in the initial pid namespace (meaningless inside another pid namespace). */
  pid: number;
}

export function decodeOrigin(b: Buffer): PeerOrigin | undefined {
  const L = LAYOUT.sm_origin;
  if (b.length < L.size) return undefined;
  const { rawFamily, ...destination } = decodeEndpoint(b.subarray(L.dst, L.dst + LAYOUT.sm_endpoint.size));
  if (rawFamily !== AF_INET && rawFamily !== AF_INET6) return undefined;
  return { destination, cgroupId: b.readBigUInt64LE(L.cgroup_id), pid: b.readUInt32LE(L.tgid) };
}

/** sm_target: `waypointPort` 0 or undefined means the configured default port. */
export function encodeTarget(waypointPort = 0, flags = 0): Buffer {
  if (waypointPort !== 0) checkPort(waypointPort);
  const b = Buffer.alloc(LAYOUT.sm_target.size);
  b.writeUInt16BE(waypointPort, LAYOUT.sm_target.waypoint_port);
  b.writeUInt16LE(flags, LAYOUT.sm_target.flags);
  return b;
}

export interface ConfigInput {
  waypointIp4: string;
  waypointIp6?: string;
  waypointPort: number;
  waypointCgroupId?: bigint;
  waypointTgid?: number;
  flags: number;
}

export function encodeConfig(c: ConfigInput): Buffer {
  const L = LAYOUT.sm_config;
  checkPort(c.waypointPort);
  if (isIP(c.waypointIp4) !== 4) {
    throw new BpfError(
      'SM_ERR_BPF_TARGET_INVALID',
      `waypoint ip must be IPv4, got ${JSON.stringify(c.waypointIp4)}`,
    );
  }
  const b = Buffer.alloc(L.size);
  b.writeBigUInt64LE(c.waypointCgroupId ?? 0n, L.waypoint_cgroup_id);
  b.writeUInt32LE(c.waypointTgid ?? 0, L.waypoint_tgid);
  ip16(c.waypointIp4).copy(b, L.waypoint_ip4, 12, 16);
  if (c.waypointIp6) ip16(c.waypointIp6).copy(b, L.waypoint_ip6);
  b.writeUInt16BE(c.waypointPort, L.waypoint_port);
  b.writeUInt16LE(c.flags, L.flags);
  return b;
}

/** A struct sockaddr_in / sockaddr_in6 as returned by getsockopt(SO_ORIGINAL_DST). */
export function decodeSockaddr(b: Buffer): OriginalDestination | undefined {
  if (b.length < 8) return undefined;
  const family = b.readUInt16LE(0);
  const port = b.readUInt16BE(2);
  if (family === AF_INET && b.length >= 16) {
    return { address: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port, family: 'IPv4' };
  }
  if (family === AF_INET6 && b.length >= 24) {
    const mapped = isMapped(b, 8);
    return { address: ip16Text(b, 8), port, family: mapped ? 'IPv4' : 'IPv6' };
  }
  return undefined;
}
