// The node agent process (a DaemonSet pod per node): watches this node's pods for the PAUSE
// annotation and freezes, checkpoints, thaws or kills them through controller/pause, and (with
// --waypoint-ip) attaches the eBPF redirect to agent pods through controller/interception;
// `npx tsx controller/node-agent.ts --help` for its flags (each also a SEMAMESH_* variable).
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { type HostTarget, Interceptor } from '../bpf/src/index.js';
import { K8sClient } from '../kube/index.js';
import { createLogger } from '../waypoint/index.js';
import { ControllerError, configError, errorText } from './errors.js';
import { type InterceptorLike, PodInterception, parseHosts, parseLabelSelector } from './interception.js';
import { cgroup2Root, resolveCgroupRoot } from './node-agent-cgroups.js';
import { AgentDirectory, identityAnswer } from './node-agent-identity.js';
import { nodeAgentMetrics } from './node-agent-metrics.js';
import { listenReportSocket } from './node-agent-reports.js';
import {
  type CgroupOps,
  checkpointRecord,
  findCgroupMounts,
  type KubeletClientOptions,
  nodeCgroups,
  PauseAgent,
} from './pause/index.js';
import { PodPauseWatcher } from './reconcilers/index.js';
import { ClusterPauseReporter } from './reconcilers/pause-reporter.js';

export interface NodeAgentConfig {
  kubeconfig?: string;
  context?: string;
  nodeName: string;
  /** The cgroup hierarchy to search for pod cgroups; default the cgroup2 mount (else the v1 freezer). */
  cgroupRoot?: string;
  /** Kubelet checkpoint API; without a host no checkpoint is attempted (the pause still freezes). */
  kubelet?: KubeletClientOptions;
  healthHost: string;
  healthPort: number;
  /** The eBPF redirect of agent pods to this node's waypoint; off when absent. */
  interception?: InterceptionConfig;
  /**
   * Unix socket where the waypoint (no API token) reports PAUSE decisions (node-agent-reports.ts);
   * off when absent.
   */
  reportSocket?: string;
}

export interface InterceptionConfig {
  /** This pod's UID (the waypoint's pod): never intercepted; its cgroup answers SO_ORIGINAL_DST. */
  podUid?: string;
  /** The waypoint's container name in this pod (getsockopt then sits on that container's cgroup). */
  waypointContainer?: string;
  waypoint: { ip: string; port: number; tlsPort?: number };
  hosts: HostTarget[];
  selector: string;
  pinPath?: string;
}

export interface RunningNodeAgent {
  watcher: PodPauseWatcher;
  agent: PauseAgent;
  cgroups: CgroupOps;
  interception?: PodInterception;
  healthUrl: string;
  /** `keepPinned`: leave pinned redirect links in place (process shutdown; fail-closed across restarts). */
  close(options?: { keepPinned?: boolean }): Promise<void>;
}

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

/** Lazily created: tests pass their own `log` and never open stderr through pino. */
let logger: ReturnType<typeof createLogger> | undefined;
const jsonLog: Log = (level, msg, fields) => {
  logger ??= createLogger('semamesh-node-agent');
  logger[level](fields ?? {}, msg);
};

export async function startNodeAgent(
  config: NodeAgentConfig,
  options: {
    client?: K8sClient;
    log?: Log;
    onAction?: ConstructorParameters<typeof PodPauseWatcher>[0]['onAction'];
    /** Creates the Interceptor (default bpf's); tests inject a fake. */
    interceptor?: () => InterceptorLike;
  } = {},
): Promise<RunningNodeAgent> {
  const log = options.log ?? jsonLog;
  if (!config.nodeName)
    throw configError('the node agent needs --node-name (or NODE_NAME from the downward API)');
  const client =
    options.client ??
    K8sClient.fromKubeconfig({ kubeconfigPath: config.kubeconfig, context: config.context });
  // A hybrid host's v2 hierarchy is `<given>/unified`: found here, not configured per host.
  let root = config.cgroupRoot ? (await resolveCgroupRoot(config.cgroupRoot)).root : undefined;
  if (!root) {
    const mounts = await findCgroupMounts();
    root = mounts.v2 ?? mounts.freezerV1;
    if (!root) throw configError('no cgroup2 mount and no v1 freezer hierarchy in /proc/mounts');
  }
  const cgroups = nodeCgroups(root);
  const kubelet = config.kubelet;
  const agent = new PauseAgent(
    cgroups,
    kubelet ? { checkpoint: (t) => checkpointRecord(kubelet, t) } : undefined,
  );
  const watcher = new PodPauseWatcher({
    client,
    nodeName: config.nodeName,
    agent,
    cgroups,
    log,
    onAction: options.onAction,
  });
  await watcher.start();
  let interception: PodInterception | undefined;
  if (config.interception) {
    // BPF cgroup programs exist on cgroup v2 only: a v1 freezer root cannot carry the redirect.
    let bpfRoot: string | undefined;
    try {
      bpfRoot = config.cgroupRoot ? await cgroup2Root(config.cgroupRoot) : (await findCgroupMounts()).v2;
      if (!bpfRoot)
        throw configError('interception (--waypoint-ip) needs a cgroup2 mount; none in /proc/mounts');
    } catch (err) {
      await watcher.stop();
      throw err;
    }
    interception = new PodInterception({
      client,
      nodeName: config.nodeName,
      cgroupRoot: bpfRoot,
      ...config.interception,
      interceptor: options.interceptor ?? (() => new Interceptor()),
      log,
    });
    try {
      await interception.start();
    } catch (err) {
      await watcher.stop();
      await interception.stop().catch(() => {});
      throw err;
    }
  }
  const directory = interception
    ? new AgentDirectory({ attached: () => interception.attached(), pods: () => interception.pods() })
    : undefined;
  let reports: { close(): Promise<void> } | undefined;
  if (config.reportSocket) {
    try {
      reports = await listenReportSocket(config.reportSocket, {
        directory,
        incidents: new ClusterPauseReporter(client, { fieldManager: 'semamesh-node-agent' }),
        log,
      });
    } catch (err) {
      await watcher.stop();
      await interception?.stop({ keepPinned: true });
      throw err;
    }
  }
  const registry = nodeAgentMetrics({
    frozen: () => watcher.frozen().size,
    intercepted: () => interception?.attached().size ?? 0,
  });
  const health: Server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split('?');
    if (path === '/healthz' || path === '/readyz') res.writeHead(200).end('ok\n');
    else if (path === '/metrics')
      void registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    // What is frozen and intercepted on this node says which pods are paused and watched: only for
    // processes on the node itself (the port also serves the kubelet's probes from the pod network).
    else if (
      (path === '/frozen' || path === '/intercepted' || path === '/identity') &&
      !isLoopback(req.socket.remoteAddress)
    )
      res.writeHead(403, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          code: 'SM_ERR_CONTROLLER_UNAUTHORIZED',
          message: `${path} answers only on the node itself (loopback)`,
        }),
      );
    else if (path === '/frozen')
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(Object.fromEntries(watcher.frozen())));
    else if (path === '/identity') {
      // The waypoint (same pod network namespace) asks who cgroup <id> / address <ip> is.
      const [status, body] = identityAnswer(directory, new URLSearchParams(query));
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else if (path === '/intercepted')
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(Object.fromEntries(interception?.attached() ?? [])));
    else res.writeHead(404).end();
  });
  const port = await new Promise<number>((resolve, reject) => {
    health.once('error', (err) =>
      reject(
        new ControllerError(
          'SM_ERR_CONTROLLER_LISTEN',
          `cannot listen on ${config.healthHost}:${config.healthPort}`,
          { cause: err },
        ),
      ),
    );
    health.listen(config.healthPort, config.healthHost, () =>
      resolve((health.address() as { port: number }).port),
    );
  });
  log('info', 'node agent started', {
    node: config.nodeName,
    cgroupRoot: root,
    checkpoint: kubelet ? `${kubelet.host}:${kubelet.port ?? 10250}` : 'off',
    interception: config.interception
      ? `${config.interception.selector} → ${config.interception.waypoint.ip}:${config.interception.waypoint.port}`
      : 'off',
    pauseReports: config.reportSocket ?? 'off',
  });
  return {
    watcher,
    agent,
    cgroups,
    interception,
    healthUrl: `http://${config.healthHost === '0.0.0.0' ? '127.0.0.1' : config.healthHost}:${port}`,
    async close(closeOptions = {}) {
      await watcher.stop();
      await reports?.close();
      await interception?.stop(closeOptions);
      await new Promise<void>((resolve) => {
        health.close(() => resolve());
        health.closeAllConnections();
      });
    },
  };
}

const env = (name: string, fallback?: string) => process.env[`SEMAMESH_${name}`] ?? fallback;

const readOptional = async (path: string | undefined) => {
  if (!path) return undefined;
  try {
    return await readFile(path);
  } catch (err) {
    throw configError(`cannot read ${path}: ${errorText(err)}`, err);
  }
};

export async function parseNodeAgentArgs(argv: string[]): Promise<NodeAgentConfig> {
  const o = new Command('semamesh-node-agent')
    .description(
      'SemaMesh node agent: redirects agent pods to the waypoint (eBPF), freezes and checkpoints paused ones.',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)',
      env('KUBECONFIG'),
    )
    .option('--context <name>', 'kubeconfig context')
    .option('--node-name <name>', 'this node', process.env.NODE_NAME ?? env('NODE_NAME', hostname()))
    .option(
      '--cgroup-root <path>',
      "cgroup hierarchy holding kubepods: a cgroup2 mount, or a hybrid host's v1 tmpfs whose unified/ is used (default: the cgroup2 mount)",
      env('CGROUP_ROOT'),
    )
    .option(
      '--kubelet-host <host>',
      'kubelet address for the checkpoint API (empty: no checkpoint)',
      process.env.NODE_IP ?? env('KUBELET_HOST'),
    )
    .option('--kubelet-port <port>', 'kubelet port', env('KUBELET_PORT', '10250'))
    .option('--kubelet-ca <file>', 'CA of the kubelet serving certificate', env('KUBELET_CA'))
    .option('--kubelet-cert <file>', 'client certificate for the kubelet', env('KUBELET_CERT'))
    .option('--kubelet-key <file>', 'client key for the kubelet', env('KUBELET_KEY'))
    .option(
      '--kubelet-token-file <file>',
      'bearer token for the kubelet',
      env('KUBELET_TOKEN_FILE', '/var/run/secrets/kubernetes.io/serviceaccount/token'),
    )
    .option('--kubelet-server-name <name>', 'TLS server name of the kubelet', env('KUBELET_SERVER_NAME'))
    .option('--health-host <host>', 'health address', env('HEALTH_HOST', '0.0.0.0'))
    .option(
      '--health-port <port>',
      'health port (/healthz, /metrics; to loopback only: /frozen, /intercepted, /identity)',
      env('HEALTH_PORT', '8081'),
    )
    .option(
      '--waypoint-ip <ip>',
      "this node's waypoint address; turns on the eBPF redirect of agent pods (default: off)",
      env('WAYPOINT_IP'),
    )
    .option('--waypoint-port <port>', 'waypoint port for plain-HTTP targets', env('WAYPOINT_PORT', '15001'))
    .option(
      '--waypoint-tls-port <port>',
      'waypoint TLS port for :443 targets (default: --waypoint-port)',
      env('WAYPOINT_TLS_PORT'),
    )
    .option(
      '--waypoint-container <name>',
      "the waypoint's container in this pod (default: the whole pod cgroup serves the waypoint)",
      env('WAYPOINT_CONTAINER'),
    )
    .option(
      '--pod-uid <uid>',
      "this pod's UID (downward API metadata.uid): never intercepted",
      process.env.POD_UID ?? env('POD_UID'),
    )
    .option(
      '--hosts <list>',
      'endpoints to redirect, host:port comma-separated',
      env('HOSTS', 'api.openai.com:443,api.anthropic.com:443'),
    )
    .option(
      '--agent-selector <selector>',
      'label selector of the agent pods to intercept',
      env('AGENT_SELECTOR', 'semamesh.io/agent=true'),
    )
    .option(
      '--report-socket <path>',
      "unix socket (0660, its directory's group) where the waypoint reports PAUSE decisions (empty: off)",
      env('REPORT_SOCKET'),
    )
    .option(
      '--bpf-pin-path <dir>',
      'bpffs directory for pinned maps and links (empty: no pins)',
      env('BPF_PIN_PATH'),
    )
    .exitOverride()
    .parse(argv, { from: 'user' })
    .opts();
  const int = (v: string, what: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw configError(`--${what} must be a port number, got ${JSON.stringify(v)}`);
    return n;
  };
  let kubelet: KubeletClientOptions | undefined;
  if (o.kubeletHost) {
    const token = await readFile(o.kubeletTokenFile, 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
    kubelet = {
      host: o.kubeletHost,
      port: int(o.kubeletPort, 'kubelet-port'),
      ca: await readOptional(o.kubeletCa),
      cert: await readOptional(o.kubeletCert),
      key: await readOptional(o.kubeletKey),
      token,
      servername: o.kubeletServerName,
    };
  }
  let interception: InterceptionConfig | undefined;
  if (o.waypointIp) {
    if (isIP(o.waypointIp) !== 4)
      throw configError(`--waypoint-ip must be an IPv4 address, got ${JSON.stringify(o.waypointIp)}`);
    const tlsPort = o.waypointTlsPort ? int(o.waypointTlsPort, 'waypoint-tls-port') : undefined;
    parseLabelSelector(o.agentSelector);
    interception = {
      podUid: o.podUid || undefined,
      waypointContainer: o.waypointContainer || undefined,
      waypoint: { ip: o.waypointIp, port: int(o.waypointPort, 'waypoint-port'), tlsPort },
      hosts: parseHosts(o.hosts, tlsPort),
      selector: o.agentSelector,
      pinPath: o.bpfPinPath || undefined,
    };
  }
  return {
    kubeconfig: o.kubeconfig,
    context: o.context,
    nodeName: o.nodeName,
    cgroupRoot: o.cgroupRoot,
    kubelet,
    healthHost: o.healthHost,
    healthPort: int(o.healthPort, 'health-port'),
    interception,
    reportSocket: o.reportSocket || undefined,
  };
}

/** The process entry (also for `semamesh node-agent <flags>`): runs until SIGTERM/SIGINT. */
export async function runNodeAgent(argv: string[]): Promise<void> {
  let running: RunningNodeAgent;
  try {
    running = await startNodeAgent(await parseNodeAgentArgs(argv));
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return;
    jsonLog('warn', errorText(err), { code: e.code });
    process.exitCode = 1;
    return;
  }
  const shutdown = () => {
    // Pinned links outlive the process: agents stay redirected (fail-closed) across a restart.
    running.close({ keepPinned: true }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  void runNodeAgent(process.argv.slice(2));

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
