// The services `semamesh waypoint` wires around the proxy: transparent mode's mesh CA and original
// destinations (--tls-port), the PAUSE reporter and agent identities of cluster mode, the audit
// stream and the console reporter. Each is loaded only when its flags ask for it: a local waypoint
// starts without the x509, Kubernetes or console modules.
import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import {
  type AgentIdentity,
  configInvalid,
  nodeAgentPauseReporter,
  type OriginalDestination,
  type TransparentMode,
  type WaypointOptions,
} from '../../waypoint/index.js';
import { type PodIdentity, podIpIdentity } from './waypoint-identity.js';
import type { WaypointCliOptions } from './waypoint-options.js';

/** Transparent mode's pieces, built before the waypoint so the router can ask them. */
interface Transparent {
  transparent: TransparentMode;
  routeDestination: OriginalDestination;
  note?: string;
  errors: { log: (err: unknown) => void };
}

/** The mesh CA of transparent mode (undefined without --tls-port); bad CA flags throw coded errors. */
export async function transparentCa(opts: WaypointCliOptions) {
  if (opts.tlsPort === undefined) {
    if (opts.meshCaCert || opts.meshCaKey)
      throw configInvalid('--mesh-ca-cert/--mesh-ca-key need --tls-port (the listener they serve)');
    return undefined;
  }
  const { meshCaFor } = await import('./waypoint-transparent.js');
  return meshCaFor(opts);
}

export async function prepareTransparent(opts: WaypointCliOptions): Promise<Transparent | undefined> {
  const ca = await transparentCa(opts);
  if (!ca || opts.tlsPort === undefined) return undefined;
  const { clusterTransparent, destinationLookup, overriddenHosts } = await import(
    './waypoint-transparent.js'
  );
  const found = opts.destinationLookup
    ? { lookup: opts.destinationLookup, note: undefined }
    : await destinationLookup();
  // Failed handshakes and lookups are logged by the waypoint's logger once it exists.
  const errors = { log: (_err: unknown) => {} };
  const composed = clusterTransparent({
    ca,
    lookup: found.lookup,
    overriddenHosts: overriddenHosts(opts),
    tlsHost: opts.host,
    tlsPort: opts.tlsPort,
    onError: (err) => errors.log(err),
  });
  return { ...composed, note: found.note, errors };
}

/**
 * Cluster mode's API-server-backed services: the PAUSE reporter is the controller's incident path
 * (ClusterPauseReporter: a SemaIncident plus the pod annotation the node agent freezes on), and
 * with --node-name agents are identified by their pod IP from a watch of this node's pods.
 * In log mode (the default outside a pod) PAUSE only goes to the waypoint's log.
 */
export async function clusterServices(
  opts: WaypointCliOptions,
): Promise<{ pauseReporter?: WaypointOptions['pauseReporter']; pods?: PodIdentity }> {
  // Default: the incident path when this is a node's waypoint running in a pod.
  const inPod = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  const mode =
    opts.pauseReport ?? (opts.nodeName && inPod ? (opts.identityUrl ? 'node-agent' : 'cluster') : 'log');
  if (mode === 'log') return { pauseReporter: opts.pauseReporter };
  if (mode === 'node-agent')
    return {
      pauseReporter:
        opts.pauseReporter ?? nodeAgentPauseReporter(opts.nodeAgentSocket ?? DEFAULT_NODE_AGENT_SOCKET),
    };
  // The modules only (not the controller barrel): the node's RBAC is derived from what it imports.
  const { ClusterPauseReporter } = await import('../../controller/reconcilers/pause-reporter.js');
  const { K8sClient } = await import('../../kube/index.js');
  const client = K8sClient.fromKubeconfig(
    opts.kubeconfig ? { kubeconfigPath: opts.kubeconfig } : inPod ? { inCluster: true } : {},
  );
  const pauseReporter =
    opts.pauseReporter ?? new ClusterPauseReporter(client, { fieldManager: 'semamesh-waypoint' });
  if (!opts.nodeName || opts.identify || opts.identityUrl) return { pauseReporter };
  const pods = await podIpIdentity(client, opts.nodeName, (msg, err) =>
    console.error(`${msg}: ${(err as Error).message ?? String(err)}`),
  );
  return { pauseReporter, pods };
}

/**
 * In cluster mode every agent identity carries the node it runs on (its node's waypoint is this
 * one), plus, when the pod watch knows the peer address, the pod behind it.
 */
export function nodeIdentity(node: string | undefined, pods?: PodIdentity): WaypointOptions['identify'] {
  if (!node) return undefined;
  return (info) => {
    const pod = pods?.identify(info) as Partial<AgentIdentity> | undefined;
    return { ...pod, labels: { ...pod?.labels, 'semamesh.io/node': node } };
  };
}

/** Where audit records go: --audit-file or stdout, tapped for the console, tagged with the node. */
export async function auditStream(
  opts: WaypointCliOptions,
  report?: (record: unknown) => void,
): Promise<Writable | undefined> {
  const target = opts.auditFile ? createWriteStream(opts.auditFile, { flags: 'a' }) : undefined;
  const tapped = report
    ? (await import('../../console/reporter.js')).auditTap(target ?? process.stdout, report)
    : target;
  if (!opts.nodeName) return tapped;
  const { auditWithNode } = await import('./waypoint-transparent.js');
  return auditWithNode(tapped ?? process.stdout, opts.nodeName);
}

export const DEFAULT_NODE_AGENT_SOCKET = '/run/semamesh/node-agent.sock';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Sends audit records to the controller's console, authenticated with the service-account token. */
export async function consoleReporter(opts: WaypointCliOptions, warn: (message: string) => void) {
  if (!opts.consoleUrl) return undefined;
  const { decisionReporter } = await import('../../console/reporter.js');
  const url = new URL(
    'api/decisions',
    opts.consoleUrl.endsWith('/') ? opts.consoleUrl : `${opts.consoleUrl}/`,
  );
  let lastWarning = 0;
  return decisionReporter({
    url: url.href,
    tokenFile:
      opts.consoleTokenFile ?? (existsSync(SERVICE_ACCOUNT_TOKEN) ? SERVICE_ACCOUNT_TOKEN : undefined),
    onError: (err) => {
      // The console is a view: its absence never stops the waypoint, and is said once a minute.
      if (Date.now() - lastWarning < 60_000) return;
      lastWarning = Date.now();
      warn(`cannot report decisions to the console: ${err.message}`);
    },
  });
}
