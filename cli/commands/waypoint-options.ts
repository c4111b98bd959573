// The options of `semamesh waypoint` (its flags, plus the seams tests fill in), shared by the modules
// that compose the command: waypoint-run.ts, waypoint-bundles.ts and waypoint-services.ts.
import type { DestinationLookup, RouteFlags, WaypointOptions } from '../../waypoint/index.js';

export interface WaypointCliOptions extends RouteFlags {
  port: number;
  host: string;
  adminPort: number;
  /** Address of /metrics, /healthz, /readyz (default: --host, so pod-IP probes reach it). */
  adminHost?: string;
  openai: string;
  anthropic: string;
  mcp?: string;
  generic?: string;
  policies?: string[];
  bundle?: string;
  failOpen?: boolean;
  auditPrompts?: boolean;
  /** YAML/JSON file of guard-model classifier rules (docs/classifier.md). */
  classifiers?: string;
  auditFile?: string;
  bundleUrl?: string;
  /** Remembers the signed issue time of the bundle in force, so a restart still refuses older ones. */
  bundleStateFile?: string;
  bundlePublicKey?: string;
  bundleSecret?: string;
  bundleKeyId?: string;
  bundleTokenFile?: string;
  /** CA certificate pinned for an https --bundle-url. */
  bundleCa?: string;
  quotaDb?: string;
  redisUrl?: string;
  cache?: boolean;
  cacheSize?: number;
  cacheTtl?: number;
  cacheShared?: boolean;
  /** Transparent mode: TLS listener for redirected :443 connections (0 picks a free port). */
  tlsPort?: number;
  /** The mesh CA leaves are minted from (both or neither; without them the local CA is used). */
  meshCaCert?: string;
  meshCaKey?: string;
  /** The node this waypoint serves: in audit records, metrics labels and agent identities. */
  nodeName?: string;
  /**
   * Where PAUSE decisions go: `cluster` opens a SemaIncident and annotates the pod through the
   * API server (the controller's incident path; default with --node-name inside a pod), `node-agent`
   * hands them to the node agent, which does that with its own token (the DaemonSet: no token
   * here; default with --identity-url inside a pod), `log` only logs them.
   */
  pauseReport?: 'cluster' | 'node-agent' | 'log';
  /** `--pause-report=node-agent`: the node agent's report socket (its --report-socket). */
  nodeAgentSocket?: string;
  /** Kubeconfig for --pause-report=cluster (default: in-cluster, then $KUBECONFIG). */
  kubeconfig?: string;
  /** The node agent's identity endpoint: agents identified by the cgroup the redirect recorded. */
  identityUrl?: string;
  /** Tests: who the agent is (in a cluster this comes from the node's pod lookup; not an option). */
  identify?: WaypointOptions['identify'];
  /** Tests: replaces the PAUSE reporter (not a command-line option). */
  pauseReporter?: WaypointOptions['pauseReporter'];
  /** The controller console's report endpoint; each audit record is also sent there. */
  consoleUrl?: string;
  /** Bearer token for it (default: the pod's service-account token). */
  consoleTokenFile?: string;
  /** Tests: replaces the BPF addon's SO_ORIGINAL_DST lookup (not a command-line option). */
  destinationLookup?: DestinationLookup;
  /** Logger for bundle updates (default: warn level on stderr). */
  logger?: boolean | Record<string, unknown>;
  /** Event loops (worker processes) serving the ports; default: what the container's CPUs and memory allow. */
  workers?: number;
}
