// Reads a redirected connection's original destination the standard way, getsockopt(SO_ORIGINAL_DST)
// on the accepted socket's fd, which the cgroup/getsockopt program answers. Usable from any process
// whose cgroup has that program attached (the waypoint), without an Interceptor instance.
import type { Socket } from 'node:net';
import { loadAddon } from './addon.js';
import { BpfError } from './errors.js';
import { decodeOrigin, decodeSockaddr, LAYOUT, type OriginalDestination, type PeerOrigin } from './layout.js';

export const SOL_IP = 0;
export const SOL_IPV6 = 41;
export const SO_ORIGINAL_DST = 80;
/** SemaMesh's getsockopt option answered by sm_getsockopt with struct sm_origin (bpf/include/common.h). */
export const SM_SO_PEER_ORIGIN = 0x534d;
/** sizeof(struct sockaddr_in6): the program answers in the original destination's family. */
const SOCKADDR_MAX = 28;
/** ENOENT, ENOPROTOOPT, ENOTCONN (Linux numbers): answers meaning "no original destination". */
const NOT_REDIRECTED = new Set([2, 92, 107]);

/** The OS fd behind a net.Socket (or the TCP socket under a TLSSocket), if it has one. */
export function socketFd(socket: Socket): number | undefined {
  type WithHandle = { _handle?: { fd?: unknown } | null; _parent?: WithHandle | null };
  const s = socket as unknown as WithHandle;
  for (const candidate of [s, s._parent]) {
    const fd = candidate?._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  return undefined;
}

/**
 * The destination the client originally asked for, or undefined when this connection was not
 * redirected (or the getsockopt program is not attached to our cgroup). Throws only when the
 * addon is missing or the socket has no fd.
 */
export function originalDestination(socket: Socket): OriginalDestination | undefined {
  const addon = loadAddon();
  const fd = socketFd(socket);
  if (fd === undefined) {
    throw new BpfError(
      'SM_ERR_BPF_SOCKOPT',
      'the socket has no file descriptor (closed, or not a TCP socket)',
    );
  }
  const level = socket.localFamily === 'IPv6' ? SOL_IPV6 : SOL_IP;
  const raw = addon.getsockopt(fd, level, SO_ORIGINAL_DST, SOCKADDR_MAX);
  if (typeof raw === 'number') {
    // The kernel's own answer (no conntrack entry) stands: this connection was not redirected.
    if (NOT_REDIRECTED.has(raw)) return undefined;
    throw new BpfError('SM_ERR_BPF_SOCKOPT', `getsockopt(SO_ORIGINAL_DST) failed: ${addon.errnoName(raw)}`, {
      cause: Object.assign(new Error(addon.errnoName(raw)), { errno: raw, code: addon.errnoName(raw) }),
    });
  }
  const original = decodeSockaddr(raw);
  // With netfilter's conntrack loaded (a CNI plugin or kube-proxy on the node loads it), the kernel
  // answers for every connection, redirected or not: a "destination" that is this very socket's own
  // address means nobody redirected it.
  if (
    original &&
    original.address === normalizeLocal(socket.localAddress) &&
    original.port === socket.localPort
  )
    return undefined;
  return original;
}

/**
 * Who connected: the original destination plus the cgroup id and tgid of the task that called
 * connect(), as the connect4/6 program recorded them in the kernel. Undefined when this connection
 * was not redirected (nothing was recorded) or our cgroup has no getsockopt program. One getsockopt
 * per call: cache it per connection.
 */
export function peerOrigin(socket: Socket): PeerOrigin | undefined {
  const addon = loadAddon();
  const fd = socketFd(socket);
  if (fd === undefined) {
    throw new BpfError(
      'SM_ERR_BPF_SOCKOPT',
      'the socket has no file descriptor (closed, or not a TCP socket)',
    );
  }
  const level = socket.localFamily === 'IPv6' ? SOL_IPV6 : SOL_IP;
  const raw = addon.getsockopt(fd, level, SM_SO_PEER_ORIGIN, LAYOUT.sm_origin.size);
  if (typeof raw === 'number') {
    // ENOPROTOOPT is the kernel's own answer: no program claimed the option, nothing was recorded.
    if (NOT_REDIRECTED.has(raw)) return undefined;
    throw new BpfError(
      'SM_ERR_BPF_SOCKOPT',
      `getsockopt(SM_SO_PEER_ORIGIN) failed: ${addon.errnoName(raw)}`,
      {
        cause: Object.assign(new Error(addon.errnoName(raw)), { errno: raw, code: addon.errnoName(raw) }),
      },
    );
  }
  return decodeOrigin(raw);
}

/** Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; the kernel gives a.b.c.d. */
function normalizeLocal(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
