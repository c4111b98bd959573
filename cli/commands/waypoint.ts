// `semamesh waypoint`: runs the governing proxy in the foreground with policies compiled from
// SemaPolicy YAML (or OPA bundles from a watched file or the controller's bundle service), budgets
// from SemaQuota YAML (SQLite or Redis store), the response cache, explicit routes, admin routes.
// This is where the waypoint's seams meet their implementations (quota/, the bundle poller); with
// --tls-port it runs in transparent (cluster) mode, composed in waypoint-transparent.ts.
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { type Command, InvalidArgumentError } from 'commander';
import type { SemaQuota } from '../../api/index.js';
import { auditTap, decisionReporter } from '../../console/reporter.js';
// The bundle poller and signature checks are loaded when a bundle flag needs them (start-up).
import type { BundlePoller } from '../../controller/bundle-server/poller.js';
import type { VerificationKey } from '../../controller/bundle-server/signing.js';
import { createBudgetEngine, type QuotaBudgetEngine, type QuotaTenancy } from '../../quota/index.js';
import {
  type AgentIdentity,
  type BundleSource,
  budgetBackend,
  type CacheOptions,
  configInvalid,
  createLogger,
  createWaypoint,
  type DecisionEngine,
  type DestinationLookup,
  fileBundleSource,
  nodeAgentPauseReporter,
  type OriginalDestination,
  parseClassifierRules,
  type QuotaBackend,
  type RouteConfig,
  type RouteFlags,
  routePolicy,
  type TransparentMode,
  type Waypoint,
  type WaypointOptions,
} from '../../waypoint/index.js';
import { defaultWorkers, isWaypointWorker, reportListening } from '../../waypoint/workers.js';
import { loadLocalPolicy } from './local-policy.js';
import { routeFlagOptions } from './route-flags.js';
import { nodeAgentIdentity, type PodIdentity, podIpIdentity } from './waypoint-identity.js';
import {
  auditWithNode,
  clusterTransparent,
  destinationLookup,
  meshCaFor,
  overriddenHosts,
} from './waypoint-transparent.js';
import { primaryBundleSource, startWaypointPrimary } from './waypoint-workers.js';

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

/** Where local mode keeps budgets when no --quota-db is given. */
export function defaultQuotaDb(): string {
  return join(homedir(), '.semamesh', 'quota.db');
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function parseName(value: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(value))
    throw new InvalidArgumentError('expected a node name (letters, digits, "-" and ".")');
  return value;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/** The bundle verification key from --bundle-public-key (RS256 PEM) or --bundle-secret (HS256). */
export function bundleKey(opts: WaypointCliOptions): VerificationKey | undefined {
  if (opts.bundlePublicKey && opts.bundleSecret)
    throw new Error('give --bundle-public-key or --bundle-secret, not both');
  const keyId = opts.bundleKeyId;
  if (opts.bundlePublicKey)
    return { algorithm: 'RS256', publicKey: readFileSync(opts.bundlePublicKey, 'utf8'), keyId };
  if (opts.bundleSecret)
    return { algorithm: 'HS256', secret: readFileSync(opts.bundleSecret, 'utf8').trim(), keyId };
  return undefined;
}

/** The controller's bundle service as a BundleSource: long poll + ETag, signatures verified by the poller. */
export function pollerBundleSource(options: {
  url: string;
  key?: VerificationKey;
  token?: string;
  /** Projected ServiceAccount token file, re-read per request (rotation). */
  tokenFile?: string;
  /** PEM of the CA pinned for an https bundle URL. */
  ca?: string;
  waitSeconds?: number;
  backoffBaseMs?: number;
  stateFile?: string;
}): BundleSource {
  let poller: BundlePoller | undefined;
  return {
    async start(sink) {
      const { BundlePoller } = await import('../../controller/bundle-server/poller.js');
      poller = new BundlePoller({
        url: options.url,
        key: options.key,
        token: options.token,
        tokenFile: options.tokenFile,
        ca: options.ca,
        waitSeconds: options.waitSeconds,
        backoffBaseMs: options.backoffBaseMs,
        backoffMaxMs: 30_000,
        stateFile: options.stateFile,
        onBundle: (u) => sink.deliver(u.bytes, { origin: options.url, revision: u.revision }),
        onError: (err) => sink.reject(err, { origin: options.url }),
      });
      poller.start();
    },
    async stop() {
      await poller?.stop();
      poller = undefined;
    },
  };
}

/**
 * The budget engine for --quota-db / --redis-url (SQLite at ~/.semamesh/quota.db by default).
 * `single` tenancy is local mode's; on a node (--node-name) a SemaQuota charges only its namespace.
 */
export function openBudgetEngine(
  opts: Pick<WaypointCliOptions, 'quotaDb' | 'redisUrl'>,
  quotas: SemaQuota[],
  tenancy: QuotaTenancy = 'single',
): QuotaBudgetEngine {
  let engine: QuotaBudgetEngine;
  if (opts.redisUrl) engine = createBudgetEngine({ kind: 'redis', url: opts.redisUrl }, { tenancy });
  else {
    const path = opts.quotaDb ?? defaultQuotaDb();
    mkdirSync(dirname(path), { recursive: true });
    engine = createBudgetEngine({ kind: 'sqlite', path }, { tenancy });
  }
  engine.setQuotas(quotas);
  return engine;
}

export interface RunningWaypoint {
  waypoint: Waypoint;
  url: string;
  adminUrl: string;
  budget?: QuotaBudgetEngine;
  /** Transparent mode (--tls-port): the TLS listener's URL and its TransparentMode. */
  tlsUrl?: string;
  transparent?: TransparentMode;
  /** Why original destinations cannot be read (then TLS connections are routed by SNI). */
  originalDestinationUnavailable?: string;
  /** Closes the waypoint, stops bundle updates and closes the quota store. */
  close(): Promise<void>;
}

/** Transparent mode's pieces, built before the waypoint so the router can ask them. */
interface Transparent {
  transparent: TransparentMode;
  routeDestination: OriginalDestination;
  note?: string;
  errors: { log: (err: unknown) => void };
}

/** The mesh CA of transparent mode (undefined without --tls-port); bad CA flags throw coded errors. */
async function transparentCa(opts: WaypointCliOptions) {
  if (opts.tlsPort === undefined) {
    if (opts.meshCaCert || opts.meshCaKey)
      throw configInvalid('--mesh-ca-cert/--mesh-ca-key need --tls-port (the listener they serve)');
    return undefined;
  }
  return meshCaFor(opts);
}

async function prepareTransparent(opts: WaypointCliOptions): Promise<Transparent | undefined> {
  const ca = await transparentCa(opts);
  if (!ca || opts.tlsPort === undefined) return undefined;
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
async function clusterServices(
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
function nodeIdentity(node: string | undefined, pods?: PodIdentity): WaypointOptions['identify'] {
  if (!node) return undefined;
  return (info) => {
    const pod = pods?.identify(info) as Partial<AgentIdentity> | undefined;
    return { ...pod, labels: { ...pod?.labels, 'semamesh.io/node': node } };
  };
}

/**
 * The bundle client of --bundle (a watched file, signatures checked with the key) or --bundle-url
 * (the controller's long poll, which verifies them itself); undefined without either.
 */
export function bundleSourceFor(opts: WaypointCliOptions): BundleSource | undefined {
  if (opts.bundle && opts.bundleUrl) throw new Error('give --bundle or --bundle-url, not both');
  const key = bundleKey(opts);
  if (opts.bundle) {
    // A missing file is a typo to report now; a bad bundle later is rejected and the old one kept.
    if (!existsSync(opts.bundle)) throw new Error(`bundle file ${opts.bundle} does not exist`);
    // Watched for changes; the first read happens before the waypoint answers its first request.
    return withVerification(fileBundleSource(opts.bundle), key);
  }
  if (opts.bundleUrl) {
    return pollerBundleSource({
      url: opts.bundleUrl,
      key,
      tokenFile: opts.bundleTokenFile,
      ca: opts.bundleCa ? readFileSync(opts.bundleCa, 'utf8') : undefined,
      stateFile: opts.bundleStateFile,
    });
  }
  return undefined;
}

export async function runWaypoint(opts: WaypointCliOptions): Promise<RunningWaypoint> {
  const tp = await prepareTransparent(opts);
  let engine: DecisionEngine | undefined;
  let quotas: SemaQuota[] = [];
  // In a worker of --workers the primary is the bundle client and serves the admin port.
  const worker = isWaypointWorker();
  const source = bundleSourceFor(opts);
  const bundleSource = source && worker ? primaryBundleSource() : source;
  if (opts.policies?.length) {
    const loaded = await loadLocalPolicy(opts.policies);
    quotas = loaded.quotas;
    // With a bundle the bundle decides; the YAML still supplies the SemaQuotas.
    if (!opts.bundle && !opts.bundleUrl) engine = loaded.engine;
  }
  let budget: QuotaBudgetEngine | undefined;
  let quota: QuotaBackend | undefined;
  if (quotas.length > 0 || opts.quotaDb || opts.redisUrl) {
    budget = openBudgetEngine(opts, quotas, opts.nodeName ? 'namespaced' : 'single');
    quota = budgetBackend(budget);
  }
  const cache: CacheOptions | undefined = opts.cache
    ? {
        maxEntries: opts.cacheSize,
        ttlMs: opts.cacheTtl ? opts.cacheTtl * 1000 : undefined,
        shared: opts.cacheShared,
      }
    : undefined;
  const routes: RouteConfig[] = [
    { provider: 'openai', upstream: opts.openai },
    { provider: 'anthropic', upstream: opts.anthropic },
  ];
  if (opts.mcp) routes.push({ provider: 'mcp', upstream: opts.mcp });
  if (opts.generic) routes.push({ provider: 'generic', upstream: opts.generic });
  const { pauseReporter, pods } = await clusterServices(opts);
  const byCgroup = opts.identityUrl ? await nodeAgentIdentity(opts.identityUrl, opts.failOpen) : undefined;
  // Called only from the reporter's timer, after `waypoint` below exists.
  const reporter = consoleReporter(opts, (message) => waypoint.app.log.warn(message));
  const waypoint = await createWaypoint({
    host: opts.host,
    port: opts.port,
    adminHost: opts.adminHost ?? opts.host,
    adminPort: opts.adminPort,
    serveAdmin: !worker,
    pauseReporter,
    routes,
    engine,
    bundleSource,
    quota,
    cache,
    failOpen: opts.failOpen,
    auditPrompts: opts.auditPrompts,
    classifiers: opts.classifiers
      ? parseClassifierRules(readFileSync(opts.classifiers, 'utf8'), opts.classifiers)
      : undefined,
    auditStream: auditStream(opts, reporter?.add),
    logger: opts.logger,
    originalDestination: tp?.routeDestination,
    ...routePolicy(opts),
    identify: opts.identify ?? byCgroup?.identify ?? nodeIdentity(opts.nodeName, pods),
  });
  if (opts.nodeName) waypoint.metrics.registry.setDefaultLabels({ node: opts.nodeName });
  if (byCgroup) waypoint.metrics.registry.registerMetric(byCgroup.metric);
  let url: string;
  let adminUrl: string;
  let tlsUrl: string | undefined;
  try {
    ({ url, adminUrl } = await waypoint.listen());
    if (tp) {
      const log = waypoint.app.log;
      tp.errors.log = (err) => log.warn({ err }, 'transparent connection failed');
      if (tp.note)
        log.warn(`original destinations unavailable (${tp.note}): TLS connections are routed by SNI`);
      const { tlsPort } = await tp.transparent.listen(waypoint);
      const u = new URL(url);
      u.protocol = 'https:';
      u.port = String(tlsPort);
      tlsUrl = u.origin;
    }
  } catch (err) {
    await tp?.transparent.close();
    await waypoint.close();
    await budget?.close();
    await pods?.stop();
    throw err;
  }
  return {
    waypoint,
    url,
    adminUrl,
    budget,
    tlsUrl,
    transparent: tp?.transparent,
    originalDestinationUnavailable: tp?.note,
    async close() {
      await tp?.transparent.close();
      await waypoint.close();
      await reporter?.stop();
      await budget?.close();
      await pods?.stop();
    },
  };
}

function auditStream(opts: WaypointCliOptions, report?: (record: unknown) => void): Writable | undefined {
  const target = opts.auditFile ? createWriteStream(opts.auditFile, { flags: 'a' }) : undefined;
  const tapped = report ? auditTap(target ?? process.stdout, report) : target;
  if (!opts.nodeName) return tapped;
  return auditWithNode(tapped ?? process.stdout, opts.nodeName);
}

const DEFAULT_NODE_AGENT_SOCKET = '/run/semamesh/node-agent.sock';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Sends audit records to the controller's console, authenticated with the service-account token. */
function consoleReporter(opts: WaypointCliOptions, warn: (message: string) => void) {
  if (!opts.consoleUrl) return undefined;
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

/** A watched bundle file checked against the key like the poller checks fetched ones. */
function withVerification(source: BundleSource | undefined, key: VerificationKey | undefined) {
  if (!source || !key) return source;
  return {
    start: (sink: Parameters<BundleSource['start']>[0]) =>
      source.start({
        deliver: (bytes, info) =>
          Promise.resolve()
            .then(() => import('../../controller/bundle-server/signing.js'))
            .then(({ verifyBundle }) => verifyBundle(bytes, key))
            .then(
              () => sink.deliver(bytes, info),
              (err: unknown) => {
                sink.reject(err, info);
                throw err;
              },
            ),
        reject: (err, info) => sink.reject(err, info),
      }),
    stop: () => source.stop(),
  };
}

export function registerWaypoint(program: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const [passthrough, defaultPassthrough, governedHost] = routeFlagOptions();
  program
    .command('waypoint')
    .description('run the governing LLM proxy until SIGINT/SIGTERM')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8788)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--admin-port <port>', 'port of /metrics, /healthz, /readyz', parsePort, 9788)
    .option('--admin-host <host>', 'address of the admin port (default: --host)')
    .option('--openai <url>', 'OpenAI upstream', 'https://api.openai.com')
    .option('--anthropic <url>', 'Anthropic upstream', 'https://api.anthropic.com')
    .option('--mcp <url>', 'MCP upstream for /mcp')
    .option('--generic <url>', 'upstream for any other path (default: 404)')
    .option(
      '--policies <file>',
      'SemaPolicy + SemaQuota YAML to compile and enforce (repeatable; with --bundle/--bundle-url only the SemaQuotas are used)',
      collect,
    )
    .option(
      '--bundle <file>',
      'OPA bundle (.tar.gz with policy.wasm) to enforce, reloaded when the file changes',
    )
    .option('--bundle-url <url>', "long-poll the controller's bundle service and swap in each new bundle")
    .option(
      '--bundle-state-file <file>',
      'remember the signed time of the bundle in force here: an older bundle is refused, across restarts too',
    )
    .option('--bundle-public-key <file>', 'PEM public key verifying bundle signatures (RS256)')
    .option('--bundle-secret <file>', 'file holding the shared secret verifying bundle signatures (HS256)')
    .option('--bundle-key-id <id>', "key id of the verification key (matched against the signature's kid)")
    .option(
      '--bundle-token-file <file>',
      'bearer token for the bundle service, re-read per request (a projected ServiceAccount token; https only)',
    )
    .option('--bundle-ca <file>', 'CA certificate the https bundle service must chain to (pinned)')
    .option('--quota-db <path>', 'SQLite file of the SemaQuota budgets (default ~/.semamesh/quota.db)')
    .option('--redis-url <url>', 'keep budgets in Redis instead (shared by several waypoints)')
    .option('--cache', 'cache non-streaming replies (exact match, per agent; hits are not charged)')
    .option('--cache-size <n>', 'most cached replies (LRU)', parseCount, 1000)
    .option('--cache-ttl <seconds>', 'how long a cached reply is served', parseCount, 300)
    .option('--cache-shared', 'let all agents share cached replies (default: one cache per agent)')
    .option('--fail-open', 'allow requests while no policy can decide (counted in metrics)')
    .option('--audit-prompts', 'include prompt text in audit records')
    .option('--classifiers <file>', 'guard-model classifier rules, YAML or JSON (docs/classifier.md)')
    .option('--audit-file <file>', 'append audit records here (default: stdout)')
    .option(
      '--tls-port <port>',
      'transparent mode: TLS listener for redirected :443 connections, leaves minted per SNI from the mesh CA',
      parsePort,
    )
    .option('--mesh-ca-cert <file>', 'mesh CA certificate (PEM) for --tls-port; loaded, never generated')
    .option('--mesh-ca-key <file>', 'its private key (default without both: the local CA of semamesh exec)')
    .option('--node-name <name>', 'the node served, recorded in audit records and metrics labels', parseName)
    .option(
      '--pause-report <mode>',
      'PAUSE decisions: cluster (SemaIncident + pod annotation via the API server; default with --node-name in a pod), node-agent (the node agent does that; default with --identity-url in a pod) or log',
      (v: string) => {
        if (v !== 'cluster' && v !== 'node-agent' && v !== 'log')
          throw new InvalidArgumentError('cluster, node-agent or log');
        return v;
      },
    )
    .option(
      '--node-agent-socket <path>',
      `the node agent's report socket for --pause-report=node-agent (default ${DEFAULT_NODE_AGENT_SOCKET})`,
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig for --pause-report=cluster (default: in-cluster, then $KUBECONFIG)',
    )
    .option(
      '--identity-url <url>',
      'identify agents by the cgroup the eBPF redirect recorded, asking the node agent (e.g. http://127.0.0.1:15091); unidentified agents are refused unless --fail-open',
    )
    .option(
      '--console-url <url>',
      "report decisions to the controller's console (e.g. http://semamesh-controller:8090/console/)",
    )
    .option(
      '--console-token-file <file>',
      'bearer token for --console-url (default: the service-account token)',
    )
    .addOption(passthrough)
    .addOption(defaultPassthrough)
    .addOption(governedHost)
    .option(
      '--workers <n>',
      'event loops serving the ports (default: the CPUs the container may use, bounded by its memory limit)',
      parseWorkers,
    )
    .action(async (opts: WaypointCliOptions) => {
      // Same JSON lines as the waypoint's own logger, so a cluster's log pipeline sees one format.
      const log = createLogger('semamesh-waypoint');
      const workers = opts.workers ?? defaultWorkers();
      const signal = stopSignal();
      if (workers > 1 && !isWaypointWorker()) return runPrimary(opts, workers, log, signal);
      let running: RunningWaypoint;
      try {
        running = await runWaypoint(opts);
      } catch (err) {
        signal.dispose();
        log.error({ code: (err as { code?: string }).code }, (err as Error).message);
        process.exitCode = 1;
        // A worker's IPC channel to its primary would keep it alive: leave explicitly.
        if (isWaypointWorker()) process.exit(1);
        return;
      }
      if (isWaypointWorker()) {
        reportListening(running.url, running.waypoint.metrics.registry, running.tlsUrl);
        await signal.stopped;
        await running.close();
        process.exit(0);
      }
      log.info(
        listeningFields(opts, running, {
          budget: !!running.budget,
          policyLoaded: running.waypoint.holder.loaded,
        }),
        'waypoint listening',
      );
      if (!running.waypoint.holder.loaded)
        log.warn('no policy loaded yet: requests are refused (fail-closed) until a bundle loads');
      await signal.stopped;
      await running.close();
    });
}

function listeningFields(
  opts: WaypointCliOptions,
  running: Pick<RunningWaypoint, 'url' | 'adminUrl' | 'tlsUrl' | 'originalDestinationUnavailable'>,
  state: { budget: boolean; policyLoaded?: boolean },
): Record<string, unknown> {
  return {
    url: running.url,
    admin: running.adminUrl,
    openaiBaseUrl: `${running.url}/v1`,
    anthropicBaseUrl: running.url,
    transparentTls: running.tlsUrl,
    originalDestinations: running.tlsUrl
      ? (running.originalDestinationUnavailable ?? 'SO_ORIGINAL_DST')
      : undefined,
    budgets: state.budget ? (opts.redisUrl ? 'redis' : (opts.quotaDb ?? defaultQuotaDb())) : undefined,
    policyLoaded: state.policyLoaded,
  };
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256)
    throw new InvalidArgumentError('expected a number of workers from 1 to 256');
  return n;
}

/**
 * SIGINT/SIGTERM, listened for from the start: one arriving while the waypoint starts stops it once
 * it has started (a listener registered only afterwards would miss it, and libraries' own handlers
 * keep the default exit from happening). `dispose` removes the listeners on a failed start.
 */
function stopSignal(): { stopped: Promise<void>; dispose(): void } {
  let resolve: () => void = () => {};
  const stopped = new Promise<void>((r) => {
    resolve = r;
  });
  const on = () => resolve();
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return {
    stopped,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

/** --workers N: the primary forks the workers, serves the admin port and fetches bundles for all. */
async function runPrimary(
  opts: WaypointCliOptions,
  workers: number,
  log: ReturnType<typeof createLogger>,
  signal: ReturnType<typeof stopSignal>,
): Promise<void> {
  let primary: Awaited<ReturnType<typeof startWaypointPrimary>>;
  try {
    // Flag errors are reported once, here, with their codes, before any worker is forked (this
    // also creates the local mesh CA once rather than racing in every worker).
    await transparentCa(opts);
    if (opts.classifiers) parseClassifierRules(readFileSync(opts.classifiers, 'utf8'), opts.classifiers);
    primary = await startWaypointPrimary({
      workers,
      adminHost: opts.adminHost ?? opts.host,
      adminPort: opts.adminPort,
      bundles: bundleSourceFor(opts),
      policyWithoutBundle: !!opts.policies?.length && !opts.bundle && !opts.bundleUrl,
      log: (line, fields) => log.warn(fields ?? {}, line),
    });
  } catch (err) {
    signal.dispose();
    log.error({ code: (err as { code?: string }).code }, (err as Error).message);
    process.exitCode = 1;
    return;
  }
  const budget = !!(opts.quotaDb || opts.redisUrl || opts.policies?.length);
  log.info({ ...listeningFields(opts, primary, { budget }), workers }, 'waypoint listening');
  await signal.stopped;
  await primary.close();
}
