// Cluster mode's agent identity: the kernel's record of who connected (the cgroup id the eBPF
// redirect stored with the original destination, read per connection with one getsockopt, injected
// as `origin`) is resolved to a pod by the node agent, which serves its directory on loopback
// (GET <url>/identity?cgroup=<id>); the waypoint itself holds no API token. A connection the
// redirect did not record (an agent that dials the waypoint explicitly) falls back to its source
// address (?ip=), counted apart. Headers never take part. What cannot be identified is refused
// (SM_ERR_WAYPOINT_IDENTITY_UNKNOWN) unless the waypoint fails open.
import type { Socket } from 'node:net';
import { WaypointError } from '../../errors.js';
import type { AgentIdentity } from '../../policy/decision.js';
import type { Identify } from './index.js';

export type IdentitySource = 'cgroup' | 'ip' | 'unknown';

export interface ClusterIdentityOptions {
  /** The node agent's base URL (same pod: http://127.0.0.1:<its health port>). */
  url: string;
  /** The redirect's record for an accepted connection (bpf peerOrigin); undefined = not redirected. */
  origin: (socket: Socket) => { cgroupId: bigint } | undefined;
  /** Allow unidentified agents (with only their address) instead of refusing them. */
  failOpen?: boolean;
  /** Called once per connection with how it was identified (metrics). */
  onIdentified?: (source: IdentitySource) => void;
  fetch?: typeof fetch;
  /** How long a node agent answer is kept (cgroup answers: ids are never reused; default 60 s). */
  ttlMs?: number;
  timeoutMs?: number;
}

interface Answer {
  namespace: string;
  pod: string;
  uid: string;
  serviceAccount: string;
  labels: Record<string, string>;
}

function unknown(why: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_IDENTITY_UNKNOWN',
    403,
    'permission',
    `semamesh waypoint: the agent behind this connection is not identified (${why}); the request is refused (fail-closed)`,
  );
}

export function clusterIdentity(options: ClusterIdentityOptions): Identify {
  const doFetch = options.fetch ?? fetch;
  const ttl = options.ttlMs ?? 60_000;
  const answers = new Map<string, { at: number; value: Promise<Answer | undefined> }>();
  const perSocket = new WeakMap<Socket, Promise<Partial<AgentIdentity>>>();

  const ask = (query: string): Promise<Answer | undefined> => {
    const hit = answers.get(query);
    if (hit && Date.now() - hit.at < ttl) return hit.value;
    const value = (async () => {
      const res = await doFetch(`${options.url}/identity?${query}`, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
      });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`node agent answered ${res.status}`);
      return (await res.json()) as Answer;
    })();
    // Only answers are kept: a miss (a container the node agent has not seen yet) asks again.
    answers.set(query, { at: Date.now(), value });
    value.then(
      (a) => {
        if (!a) answers.delete(query);
      },
      () => answers.delete(query),
    );
    if (answers.size > 10_000) answers.delete(answers.keys().next().value as string);
    return value;
  };

  const lookup = async (socket: Socket, remote: string): Promise<Partial<AgentIdentity>> => {
    let origin: { cgroupId: bigint } | undefined;
    let source: IdentitySource = 'unknown';
    let why = '';
    let found: Answer | undefined;
    try {
      origin = options.origin(socket);
      if (origin) {
        found = await ask(`cgroup=${origin.cgroupId}`);
        why = `cgroup ${origin.cgroupId} belongs to no intercepted pod`;
        if (found) source = 'cgroup';
      } else {
        // Not redirected: the weaker address fallback.
        found = await ask(`ip=${encodeURIComponent(remote)}`);
        why = `connection not redirected and no pod has address ${remote}`;
        if (found) source = 'ip';
      }
    } catch (err) {
      why = `node agent lookup failed: ${(err as Error).message}`;
    }
    options.onIdentified?.(source);
    if (!found) {
      if (options.failOpen) return origin ? { cgroup: String(origin.cgroupId) } : {};
      throw unknown(why);
    }
    return {
      namespace: found.namespace,
      pod: found.pod,
      serviceAccount: found.serviceAccount,
      labels: { ...found.labels, 'semamesh.io/identity': source },
      ...(origin ? { cgroup: String(origin.cgroupId) } : {}),
    };
  };

  return ({ socket, remoteAddress }) => {
    let p = perSocket.get(socket);
    if (!p) {
      p = lookup(socket, remoteAddress);
      perSocket.set(socket, p);
      // A refusal is per request: the next request on this connection asks again.
      p.catch(() => perSocket.delete(socket));
    }
    return p;
  };
}
