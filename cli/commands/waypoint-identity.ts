// Cluster-mode agent identity for `semamesh waypoint --node-name`: the eBPF redirect keeps the
// client's source address, which on a pod network is the agent pod's IP. This watches the pods of
// this node (field selector spec.nodeName, the node's RBAC already grants list/watch on pods) and
// answers the peer address with the pod's namespace, name, service account and labels, so PAUSE
// reports and policies see the real agent. Pods on the host network share the node's address and
// stay unidentified (address only); a cgroup-id record from the BPF program would cover those.
import { Counter } from 'prom-client';
import type { K8sClient, KindWatch, KubeObject } from '../../kube/index.js';
import { clusterIdentity } from '../../waypoint/filters/identity/cluster.js';
import type { WaypointOptions } from '../../waypoint/index.js';

type Identify = NonNullable<WaypointOptions['identify']>;

interface PodView extends KubeObject {
  spec?: { serviceAccountName?: string; hostNetwork?: boolean };
  status?: { podIP?: string; podIPs?: { ip: string }[]; phase?: string };
}

export interface PodIdentity {
  identify: Identify;
  /** Pods known by address right now (tests, diagnostics). */
  size(): number;
  stop(): Promise<void>;
}

/** Strips the IPv4-mapped prefix Node reports for dual-stack sockets. */
const plainAddress = (a: string) => (a.startsWith('::ffff:') ? a.slice(7) : a);

export async function podIpIdentity(
  client: K8sClient,
  nodeName: string,
  log?: (msg: string, err: unknown) => void,
): Promise<PodIdentity> {
  const { CORE_KINDS, watchSelected } = await import('../../kube/index.js');
  const byIp = new Map<string, { uid: string; pod: PodView }>();
  const ipsOf = (p: PodView) =>
    p.spec?.hostNetwork
      ? []
      : [...new Set([p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)].filter(Boolean))];
  const forget = (uid: string) => {
    for (const [ip, v] of byIp) if (v.uid === uid) byIp.delete(ip);
  };
  const remember = (o: KubeObject) => {
    const p = o as PodView;
    const uid = p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`;
    forget(uid);
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return;
    for (const ip of ipsOf(p)) byIp.set(ip as string, { uid, pod: p });
  };
  const watch: KindWatch = await watchSelected(client, CORE_KINDS.Pod, {
    fieldSelector: `spec.nodeName=${nodeName}`,
    onAdd: remember,
    onUpdate: remember,
    onDelete: (o) => forget(o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`),
    onError: (err) => log?.('waypoint pod watch failed', err),
  });
  return {
    identify: (info) => {
      const hit = byIp.get(plainAddress(info.remoteAddress));
      if (!hit) return undefined;
      const { pod } = hit;
      return {
        namespace: pod.metadata.namespace ?? '',
        pod: pod.metadata.name,
        serviceAccount: pod.spec?.serviceAccountName ?? 'default',
        labels: { ...(pod.metadata.labels ?? {}) },
      };
    },
    size: () => byIp.size,
    stop: () => watch.stop(),
  };
}

/**
 * `--identity-url`: the agent is who the eBPF redirect says connected (its cgroup, read with
 * getsockopt SM_SO_PEER_ORIGIN through the BPF addon), resolved to a pod by the node agent; the
 * source address only for connections the redirect did not record. Counted by source in
 * semamesh_waypoint_identity_total (register `metric` on the waypoint's registry).
 */
export async function nodeAgentIdentity(
  url: string,
  failOpen = false,
): Promise<{ identify: Identify; metric: Counter<'source'> }> {
  const bpf = await import('../../bpf/src/index.js');
  const status = bpf.addonStatus();
  const metric = new Counter({
    name: 'semamesh_waypoint_identity_total',
    help: 'Connections identified, by source: cgroup (the eBPF redirect), ip (fallback: not redirected), unknown',
    labelNames: ['source'],
    registers: [],
  });
  const identify = clusterIdentity({
    url: url.replace(/\/+$/, ''),
    // Without the addon nothing is known from the kernel: every connection takes the fallback.
    origin: status.available ? (socket) => bpf.peerOrigin(socket) : () => undefined,
    failOpen,
    onIdentified: (source) => metric.inc({ source }),
  });
  return { identify, metric };
}
