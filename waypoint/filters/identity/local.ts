// Local mode's agent identity (`semamesh exec`): the process on the other end of a redirected
// connection, by its cgroup and command, in the namespace `local`; looked up once per connection.
import type { Socket } from 'node:net';
import type { AgentIdentity } from '../../policy/decision.js';
import type { Identify } from './index.js';
import { findPeerProcess, type PeerProcess } from './peer-process.js';

export interface LocalIdentityOptions {
  /** Default `local`. */
  namespace?: string;
  /** Which connections to identify (e.g. only redirected ones); default all. */
  applies?: (socket: Socket) => boolean;
  /** The `pod` name for a peer (default its command name). */
  name?: (peer: PeerProcess) => string;
  /** Pids to search first (the agent cgroup's), so a busy host is not scanned. */
  candidates?: () => number[];
  /** Used when the peer process cannot be found (it exited, or is on another host). */
  fallback?: Partial<AgentIdentity>;
  /**
   * Look the peer process up in /proc (default true). Reading /proc/net/tcp walks the kernel's
   * whole TCP hash table (~10 ms per read on a large host), so when every identified connection
   * is known to come from one cgroup — `semamesh exec` — pass false and give that cgroup as fallback.
   */
  lookupPeer?: boolean;
}

export function localIdentity(options: LocalIdentityOptions = {}): Identify {
  const namespace = options.namespace ?? 'local';
  const cache = new WeakMap<Socket, Promise<Partial<AgentIdentity> | undefined>>();
  const lookup = async (socket: Socket): Promise<Partial<AgentIdentity> | undefined> => {
    const peer =
      options.lookupPeer === false
        ? undefined
        : await findPeerProcess(
            { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
            { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
            options.candidates?.(),
          ).catch(() => undefined);
    if (!peer) return options.fallback ? { namespace, ...options.fallback } : undefined;
    return {
      namespace,
      pod: options.name?.(peer) ?? peer.command,
      cgroup: peer.cgroup,
      labels: { 'semamesh.io/pid': String(peer.pid), 'semamesh.io/command': peer.command },
    };
  };
  return ({ socket }): Promise<Partial<AgentIdentity>> | undefined => {
    if (options.applies && !options.applies(socket)) return undefined;
    let found = cache.get(socket);
    if (!found) {
      found = lookup(socket);
      cache.set(socket, found);
    }
    return found.then((id) => id ?? {});
  };
}
