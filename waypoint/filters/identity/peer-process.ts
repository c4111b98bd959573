// Finds the local process on the other end of an accepted TCP connection (/proc/net/tcp{,6} → the
// socket inode → the process holding it → its cgroup v2 path and command), so a same-host agent is
// identified by what the kernel says, not by what it claims in headers. The /proc reads are
// synchronous on purpose: each takes microseconds, while a thread-pool round trip per fd made a
// lookup cost ~10 ms.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isIPv4 } from 'node:net';

export interface PeerProcess {
  pid: number;
  /** /proc/PID/comm: the executable's short name (curl, node, python3). */
  command: string;
  /** The cgroup v2 path as /proc/PID/cgroup reports it (relative to the cgroup2 mount, e.g. `/x/agent`). */
  cgroup: string;
}

export interface Endpoint {
  address: string;
  port: number;
}

/** 16 bytes of an IPv4 or IPv6 address, IPv4 as IPv4-mapped, so both /proc tables compare alike. */
function ip16(address: string): string {
  const a = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(a)) return `00000000000000000000ffff${Buffer.from(a.split('.').map(Number)).toString('hex')}`;
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups
    .map((g) => g.padStart(4, '0'))
    .join('')
    .toLowerCase();
}

/** /proc/net/tcp writes each 32-bit word of an address in host (little-endian) order. */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.map((w) => Buffer.from(w, 'hex').reverse().toString('hex')).join('');
  return bytes.length === 8 ? `00000000000000000000ffff${bytes}` : bytes;
}

/** The socket inode whose local end is `peer` and remote end is `self`, from the kernel's TCP tables. */
function socketInode(peer: Endpoint, self: Endpoint): string | undefined {
  const want = `${ip16(peer.address)}:${peer.port}>${ip16(self.address)}:${self.port}`;
  // Each table read is costly (see local.ts): try the peer's own family first.
  const v4 = isIPv4(peer.address) || peer.address.startsWith('::ffff:');
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'];
  for (const table of v4 ? tables : tables.reverse()) {
    const text = read(table);
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [la, lp] = f[1].split(':');
      const [ra, rp] = f[2].split(':');
      const key = `${procAddress(la)}:${Number.parseInt(lp, 16)}>${procAddress(ra)}:${Number.parseInt(rp, 16)}`;
      if (key === want && f[9] !== '0') return f[9];
    }
  }
  return undefined;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function link(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function holder(inode: string, candidates: number[] | undefined): number | undefined {
  const want = `socket:[${inode}]`;
  const all = () =>
    list('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  for (const pids of candidates ? [candidates, all()] : [all()]) {
    for (const pid of pids) {
      for (const fd of list(`/proc/${pid}/fd`)) if (link(`/proc/${pid}/fd/${fd}`) === want) return pid;
    }
  }
  return undefined;
}

/**
 * The process holding the client end of a loopback connection accepted as `self` from `peer`;
 * undefined when the peer is on another host or has exited. `candidates` (e.g. the pids of the
 * agent cgroup) are searched first, which keeps the scan short on a busy host.
 */
export async function findPeerProcess(
  peer: Endpoint,
  self: Endpoint,
  candidates?: number[],
): Promise<PeerProcess | undefined> {
  const inode = socketInode(peer, self);
  if (!inode) return undefined;
  const pid = holder(inode, candidates);
  if (pid === undefined) return undefined;
  const comm = read(`/proc/${pid}/comm`);
  const cgroups = read(`/proc/${pid}/cgroup`);
  const v2 = cgroups.split('\n').find((l) => l.startsWith('0::'));
  return { pid, command: comm.trim(), cgroup: v2 ? v2.slice(3) : '' };
}
