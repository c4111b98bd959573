// Who an agent is, for the waypoint, which holds no API token: the node agent answers "which pod is
// cgroup <id>" (the id the redirect recorded in the kernel, see bpf/include/types.h sm_origin) from
// the cgroups of the pods it intercepts, and "which pod has address <ip>" from its pod watch (the
// fallback for connections that were not redirected). Served on the node agent's health port to
// loopback callers only: the waypoint shares the node agent's pod network namespace.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../kube/index.js';

export interface AgentIdentityRecord {
  namespace: string;
  pod: string;
  uid: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** `cgroup`: from the kernel's record of the connecting cgroup; `ip`: by pod address (weaker). */
  source: 'cgroup' | 'ip';
}

interface PodView extends KubeObject {
  spec?: { serviceAccountName?: string; hostNetwork?: boolean };
  status?: { podIP?: string; podIPs?: { ip: string }[]; phase?: string };
}

export interface IdentitySources {
  /** Intercepted pods: uid → the pod cgroup the redirect is attached at. */
  attached(): Map<string, { pod: string; cgroup: string }>;
  /** This node's pods as the watch sees them now. */
  pods(): KubeObject[];
}

/** Every cgroup directory at and below `dir`, by inode (= cgroup id on cgroup v2). */
function walk(dir: string, out: Map<bigint, string>, uid: string, depth = 0): void {
  try {
    out.set(statSync(dir, { bigint: true }).ino, uid);
  } catch {
    return;
  }
  if (depth > 8) return;
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return;
  }
  for (const n of names) walk(join(dir, n), out, uid, depth + 1);
}

export class AgentDirectory {
  readonly #src: IdentitySources;
  #byCgroup = new Map<bigint, string>();
  #walkedAt = 0;
  readonly #minWalkMs: number;

  constructor(sources: IdentitySources, options: { minWalkMs?: number } = {}) {
    this.#src = sources;
    this.#minWalkMs = options.minWalkMs ?? 100;
  }

  /**
   * The intercepted pod whose cgroup (or a cgroup below it: a container, or a process's own
   * sub-cgroup) has this id. A miss re-reads the cgroup trees (a container started since), at most
   * once per `minWalkMs`; a cgroup outside every intercepted pod stays unknown.
   */
  byCgroup(id: bigint): AgentIdentityRecord | undefined {
    let uid = this.#byCgroup.get(id);
    if (uid === undefined || !this.#src.attached().has(uid)) {
      if (Date.now() - this.#walkedAt < this.#minWalkMs) return undefined;
      this.#rewalk();
      uid = this.#byCgroup.get(id);
    }
    return uid === undefined ? undefined : this.#record(uid, 'cgroup');
  }

  /** The Running, pod-network pod with this address (never a host-network pod: they share the node's). */
  byIp(ip: string): AgentIdentityRecord | undefined {
    const want = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    const hits = (this.#src.pods() as PodView[]).filter(
      (p) =>
        !p.spec?.hostNetwork &&
        p.status?.phase === 'Running' &&
        (p.status?.podIP === want || (p.status?.podIPs ?? []).some((x) => x.ip === want)),
    );
    // Two pods claiming one address is no identity at all.
    if (hits.length !== 1 || !hits[0].metadata.uid) return undefined;
    return this.#recordOf(hits[0], 'ip');
  }

  /** Whether the pod with this uid is intercepted (attached) on this node now. */
  intercepted(uid: string): boolean {
    return this.#src.attached().has(uid);
  }

  #rewalk(): void {
    const next = new Map<bigint, string>();
    for (const [uid, a] of this.#src.attached()) walk(a.cgroup, next, uid);
    this.#byCgroup = next;
    this.#walkedAt = Date.now();
  }

  #record(uid: string, source: AgentIdentityRecord['source']): AgentIdentityRecord | undefined {
    const pod = (this.#src.pods() as PodView[]).find((p) => p.metadata.uid === uid);
    return pod ? this.#recordOf(pod, source) : undefined;
  }

  #recordOf(p: PodView, source: AgentIdentityRecord['source']): AgentIdentityRecord {
    return {
      namespace: p.metadata.namespace ?? 'default',
      pod: p.metadata.name ?? '',
      uid: p.metadata.uid ?? '',
      serviceAccount: p.spec?.serviceAccountName ?? 'default',
      labels: { ...(p.metadata.labels ?? {}) },
      source,
    };
  }
}

/** GET /identity?cgroup=<decimal id> | ?ip=<address>: [status, body]. */
export function identityAnswer(
  directory: AgentDirectory | undefined,
  query: URLSearchParams,
): [number, unknown] {
  if (!directory)
    return [503, { code: 'SM_ERR_CONTROLLER_CONFIG', message: 'interception is off: no agent identities' }];
  const cgroup = query.get('cgroup');
  const ip = query.get('ip');
  let found: AgentIdentityRecord | undefined;
  if (cgroup !== null) {
    if (!/^\d{1,20}$/.test(cgroup))
      return [400, { code: 'SM_ERR_CONTROLLER_CONFIG', message: 'cgroup must be a decimal cgroup id' }];
    found = directory.byCgroup(BigInt(cgroup));
  } else if (ip !== null) found = directory.byIp(ip);
  else return [400, { code: 'SM_ERR_CONTROLLER_CONFIG', message: 'give ?cgroup=<id> or ?ip=<address>' }];
  return found ? [200, found] : [404, { message: 'no intercepted agent pod has this cgroup or address' }];
}
