// The controller process: informers and reconcilers, leader election, the bundle server (signed
// bundles), and metrics/health endpoints; `npx tsx controller/main.ts --help` for its flags (each
// also read from a SEMAMESH_* environment variable).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { Counter, Gauge, Registry } from 'prom-client';
import type { SemaQuota } from '../api/index.js';
import { type GitopsManager, startGitops } from '../gitops/index.js';
import { CORE_KINDS, EventRecorder, K8sClient, type SecretObject, secretValues } from '../kube/index.js';
import { createLogger, registerProcessMetrics } from '../waypoint/index.js';
import {
  BundleServer,
  type SigningKey,
  serviceAccountUser,
  signBundle,
  tokenReviewAuthenticator,
} from './bundle-server/index.js';
import { createControllerConsole } from './console.js';
import { ControllerError, errorText } from './errors.js';
import { LeaderElector } from './leader/index.js';
import { ControllerManager, QuotaUsageReporter } from './reconcilers/index.js';

export interface ControllerConfig {
  kubeconfig?: string;
  context?: string;
  /** Namespace of the Lease and of the signing-key Secret. */
  namespace: string;
  /** Watch only this namespace; omitted: all. */
  watchNamespace?: string;
  bundleName: string;
  bundleHost: string;
  bundlePort: number;
  bundleToken?: string;
  /** PEM serving certificate and key files: the bundle service then speaks HTTPS only. */
  bundleTlsCert?: string;
  bundleTlsKey?: string;
  /** `namespace/name` of the ServiceAccounts allowed to fetch; set: tokens are checked by TokenReview. */
  bundleClients?: string[];
  /** Audience the bundle tokens must be bound to (default semamesh-bundles). */
  bundleAudience?: string;
  signingKeyFile?: string;
  /** `name` or `namespace/name` of a Secret holding the key under `signingKeySecretKey`. */
  signingKeySecret?: string;
  signingKeySecretKey: string;
  signingKeyId: string;
  metricsHost: string;
  metricsPort: number;
  leaderElection: boolean;
  leaseName: string;
  leaseDurationMs: number;
  identity: string;
  debounceMs: number;
  pauseTimeoutMs: number;
  /** Run the GitOps reconciler for SemaPolicySources while leading (default true). */
  gitops: boolean;
  gitopsWorkDir: string;
  /** Port of the GitOps push webhook receiver; undefined: no receiver. */
  webhookPort?: number;
  webhookSecret?: string;
  /** The waypoints' shared Redis budget store; set: SemaQuota.status.usage is reported from it. */
  redisUrl?: string;
  /** How often the leader reports quota usage (default 15 s; 0 turns the reporter off). */
  quotaStatusIntervalMs?: number;
  /** Port of the console (TokenReview + SubjectAccessReview sign-in); undefined: no console. */
  consolePort?: number;
  consoleHost?: string;
}

export interface RunningController {
  config: ControllerConfig;
  client: K8sClient;
  manager: ControllerManager;
  bundles: BundleServer;
  /** `http://host:port/bundles/<name>` */
  bundleUrl: string;
  metricsUrl: string;
  /** `http://host:port/console/` when the console runs. */
  consoleUrl?: string;
  elector?: LeaderElector;
  registry: Registry;
  /** Present when `redisUrl` is set. */
  quotaUsage?: QuotaUsageReporter;
  close(): Promise<void>;
}

const keyError = (message: string, cause?: unknown) =>
  new ControllerError('SM_ERR_CONTROLLER_SIGNING_KEY', message, { cause });

/** A PEM private key signs RS256; anything else is an HS256 shared secret. */
export function signingKeyFrom(text: string, keyId: string): SigningKey {
  const trimmed = text.trim();
  if (trimmed === '') throw keyError('the signing key is empty');
  if (/-----BEGIN (RSA )?PRIVATE KEY-----/.test(trimmed))
    return { algorithm: 'RS256', privateKey: trimmed, keyId };
  if (trimmed.startsWith('-----BEGIN')) throw keyError('the signing key PEM is not an RSA private key');
  return { algorithm: 'HS256', secret: trimmed, keyId };
}

async function loadSigningKey(client: K8sClient, c: ControllerConfig): Promise<SigningKey | undefined> {
  if (c.signingKeyFile) {
    const text = await readFile(c.signingKeyFile, 'utf8').catch((err) => {
      throw keyError(`cannot read the signing key ${c.signingKeyFile}: ${errorText(err)}`, err);
    });
    return signingKeyFrom(text, c.signingKeyId);
  }
  if (!c.signingKeySecret) return undefined;
  const [ns, name] = c.signingKeySecret.includes('/')
    ? c.signingKeySecret.split('/', 2)
    : [c.namespace, c.signingKeySecret];
  let secret: SecretObject;
  try {
    secret = (await client.get({ ...CORE_KINDS.Secret, namespace: ns, name })) as unknown as SecretObject;
  } catch (err) {
    throw keyError(`cannot read the signing key Secret ${ns}/${name}: ${errorText(err)}`, err);
  }
  const value = secretValues(secret)[c.signingKeySecretKey];
  if (value === undefined)
    throw keyError(`Secret ${ns}/${name} has no key ${JSON.stringify(c.signingKeySecretKey)}`);
  return signingKeyFrom(value, c.signingKeyId);
}

function metrics(manager: ControllerManager, elector: () => boolean) {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const compiles = new Counter({
    name: 'semamesh_controller_compiles_total',
    help: 'Policy set compiles.',
    labelNames: ['result'],
    registers: [registry],
  });
  const publishes = new Counter({
    name: 'semamesh_controller_bundle_publishes_total',
    help: 'Bundles published.',
    registers: [registry],
  });
  const published = new Gauge({
    name: 'semamesh_controller_bundle_published_timestamp_seconds',
    help: 'When this replica last published a bundle (waypoints loading older ones are stale).',
    registers: [registry],
  });
  new Gauge({
    name: 'semamesh_controller_quota_usage_ratio',
    help: 'Used / limit of each SemaQuota limit, from its status.usage (1 = budget spent).',
    labelNames: ['namespace', 'quota', 'window', 'resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of manager.cached('SemaQuota') as SemaQuota[])
        for (const l of q.spec?.limits ?? []) {
          const u = q.status?.usage?.find((x) => x.window === l.window);
          const labels = {
            namespace: q.metadata?.namespace ?? '',
            quota: String(q.metadata?.name),
            window: l.window,
          };
          if (l.costUSD) this.set({ ...labels, resource: 'cost' }, (u?.costUSD ?? 0) / l.costUSD);
          if (l.tokens) this.set({ ...labels, resource: 'tokens' }, (u?.tokens ?? 0) / l.tokens);
          if (l.requests) this.set({ ...labels, resource: 'requests' }, (u?.requests ?? 0) / l.requests);
        }
    },
  });
  new Gauge({
    name: 'semamesh_controller_leader',
    help: '1 while this replica leads.',
    registers: [registry],
    collect() {
      this.set(elector() ? 1 : 0);
    },
  });
  // The manager keeps a running count; the counter takes what it added since the last scrape.
  let counted = 0;
  new Counter({
    name: 'semamesh_controller_reconciles_total',
    help: 'Reconciles run by this replica.',
    registers: [registry],
    collect() {
      const now = manager.reconciles;
      if (now > counted) this.inc(now - counted);
      counted = now;
    },
  });
  new Gauge({
    name: 'semamesh_controller_queue_depth',
    help: 'Keys queued, running or scheduled.',
    registers: [registry],
    collect() {
      this.set(manager.queue.length);
    },
  });
  new Gauge({
    name: 'semamesh_controller_incidents',
    help: 'SemaIncidents by phase.',
    labelNames: ['phase'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [phase, n] of Object.entries(manager.incidentPhases())) this.set({ phase }, n);
    },
  });
  return { registry, compiles, publishes, published };
}

function healthServer(
  registry: Registry,
  ready: () => { ok: boolean; detail: Record<string, unknown> },
): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const r = ready();
      res
        .writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(r.detail)}\n`);
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err) => res.writeHead(500).end(errorText(err)),
      );
    } else res.writeHead(404).end();
  });
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new ControllerError('SM_ERR_CONTROLLER_LISTEN', `cannot listen on ${host}:${port}`, { cause: err }),
      ),
    );
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });

type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** Lazily created: tests pass their own `log` and never open stderr through pino. */
let logger: ReturnType<typeof createLogger> | undefined;
const jsonLog: Log = (level, msg, fields) => {
  logger ??= createLogger('semamesh-controller');
  logger[level](fields ?? {}, msg);
};

/**
 * Re-reads the serving certificate every minute and swaps it in when it changed: the kubelet
 * updates a mounted Secret in place, and a renewed certificate must not need a restart.
 */
function watchBundleTls(bundles: BundleServer, c: ControllerConfig, log: Log): NodeJS.Timeout | undefined {
  let last = bundleTls(c);
  if (!last) return undefined;
  const timer = setInterval(() => {
    try {
      const next = bundleTls(c);
      if (!next || !last || (next.cert.equals(last.cert) && next.key.equals(last.key))) return;
      bundles.reloadTls(next);
      last = next;
      log('info', 'bundle service certificate reloaded');
    } catch (err) {
      log('error', `bundle service certificate not reloaded: ${errorText(err)}`);
    }
  }, 60_000);
  timer.unref();
  return timer;
}

/** The bundle service's certificate and key, both or neither. */
function bundleTls(c: ControllerConfig): { cert: Buffer; key: Buffer } | undefined {
  if (!c.bundleTlsCert && !c.bundleTlsKey) return undefined;
  if (!c.bundleTlsCert || !c.bundleTlsKey)
    throw new ControllerError('SM_ERR_CONTROLLER_CONFIG', 'give both --bundle-tls-cert and --bundle-tls-key');
  return { cert: readFileSync(c.bundleTlsCert), key: readFileSync(c.bundleTlsKey) };
}

/** Starts everything; with leader election off the replica leads at once (single replica, tests). */
export async function startController(
  config: ControllerConfig,
  options: { client?: K8sClient; log?: Log } = {},
): Promise<RunningController> {
  const log = options.log ?? jsonLog;
  const client =
    options.client ??
    K8sClient.fromKubeconfig({ kubeconfigPath: config.kubeconfig, context: config.context });
  const key = await loadSigningKey(client, config);
  let elector: LeaderElector | undefined;
  const bundles = new BundleServer({
    token: config.bundleToken,
    authenticate: config.bundleClients?.length
      ? tokenReviewAuthenticator(client, {
          audience: config.bundleAudience,
          allowed: config.bundleClients.map(serviceAccountUser),
        })
      : undefined,
    tls: bundleTls(config),
    // A deposed leader woken from a freeze answers no request with its stale bundle.
    leading: () => elector?.isLeader ?? true,
  });
  const tlsReload = watchBundleTls(bundles, config, log);
  // Until it leads, a replica serves nothing (only the leader's bundle is current).
  if (config.leaderElection) bundles.setServing(false);
  const addr = await bundles.listen(config.bundlePort, config.bundleHost);
  let m: ReturnType<typeof metrics> | undefined;
  const manager = new ControllerManager({
    client,
    namespace: config.watchNamespace,
    debounceMs: config.debounceMs,
    pauseTimeoutMs: config.pauseTimeoutMs,
    events: new EventRecorder(client, { component: 'semamesh-controller', instance: config.identity }),
    log,
    publish: (bundle, revision) => {
      bundles.publish(config.bundleName, key ? signBundle(bundle, key) : bundle, revision);
      m?.publishes.inc();
      m?.published.setToCurrentTime();
      log('info', 'bundle published', { bundle: config.bundleName, revision, signed: key !== undefined });
    },
    onCompiled: (r) => m?.compiles.inc({ result: r.revision ? 'ok' : 'failed' }),
  });
  // GitOps applies to the cluster, so like status writes it runs only on the leader.
  let gitops: GitopsManager | undefined;
  let gitopsStarting: Promise<void> | undefined;
  const startLeading = () => {
    bundles.setServing(true);
    manager.setLeader(true);
    if (!config.gitops || gitops || gitopsStarting) return;
    gitopsStarting = startGitops({
      client,
      workDir: config.gitopsWorkDir,
      namespace: config.watchNamespace,
      webhookPort: config.webhookPort,
      webhookSecret: config.webhookSecret,
      instance: config.identity,
      syncBarrier: manager.syncBarrier,
      log: (message) => log('info', message, { component: 'gitops' }),
    }).then(
      (g) => {
        gitops = g;
        gitopsStarting = undefined;
      },
      (err: unknown) => {
        gitopsStarting = undefined;
        log('error', `gitops did not start: ${errorText(err)}`);
      },
    );
  };
  const stopLeading = async () => {
    manager.setLeader(false);
    bundles.setServing(false);
    await gitopsStarting;
    await gitops?.stop();
    gitops = undefined;
  };
  m = metrics(manager, () => manager.isLeader);
  // Ticks on every replica but writes only while leading (it checks on each tick).
  const quotaInterval = config.quotaStatusIntervalMs ?? 15_000;
  const quotaUsage =
    config.redisUrl && quotaInterval > 0
      ? new QuotaUsageReporter({
          client,
          redis: { url: config.redisUrl },
          quotas: () => [...manager.cached('SemaQuota'), ...manager.cached('SemaClusterQuota')],
          isLeader: () => manager.isLeader,
          intervalMs: quotaInterval,
          log,
        })
      : undefined;
  const health = healthServer(m.registry, () => ({
    // The leader is Ready once it has a bundle to serve. A follower is Ready as a process (so
    // rollouts of a 2-replica Deployment can progress), but its bundle endpoint answers 503
    // SM_ERR_CONTROLLER_NOT_LEADER: a waypoint that lands on it retries and reaches the leader, and
    // is never handed a stale bundle.
    ok: manager.isLeader ? bundles.isServing && bundles.get(config.bundleName) !== undefined : true,
    detail: { leader: manager.isLeader, bundle: bundles.get(config.bundleName)?.revision ?? null },
  }));
  const metricsPort = await listen(health, config.metricsPort, config.metricsHost);
  try {
    await manager.start();
  } catch (err) {
    clearInterval(tlsReload);
    await bundles.close();
    health.close();
    throw err;
  }
  if (config.leaderElection) {
    elector = new LeaderElector({
      client,
      namespace: config.namespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      onStartedLeading: startLeading,
      onStoppedLeading: () => {
        stopLeading().catch((err: unknown) => log('warn', `gitops stop: ${errorText(err)}`));
      },
      onNewLeader: (id) => log('info', 'leader observed', { leader: id }),
      onError: (err) => log('warn', err.message, { code: err.code }),
    });
    elector.start();
  } else startLeading();
  quotaUsage?.start();
  const ui =
    config.consolePort === undefined
      ? undefined
      : await createControllerConsole(client, { namespace: config.watchNamespace });
  const consoleUrl = await ui?.listen(config.consolePort ?? 0, config.consoleHost ?? config.metricsHost);
  const host = config.bundleHost === '0.0.0.0' ? '127.0.0.1' : config.bundleHost;
  return {
    config,
    client,
    manager,
    bundles,
    bundleUrl: `${bundles.scheme}://${host}:${addr.port}/bundles/${config.bundleName}`,
    metricsUrl: `http://${config.metricsHost === '0.0.0.0' ? '127.0.0.1' : config.metricsHost}:${metricsPort}`,
    consoleUrl: consoleUrl?.replace('//0.0.0.0:', '//127.0.0.1:'),
    elector,
    registry: m.registry,
    quotaUsage,
    async close() {
      await ui?.close();
      await quotaUsage?.stop();
      await elector?.stop();
      await stopLeading();
      await manager.stop();
      clearInterval(tlsReload);
      await bundles.close();
      await new Promise<void>((resolve) => {
        health.close(() => resolve());
        health.closeAllConnections();
      });
    },
  };
}

const env = (name: string, fallback?: string) => process.env[`SEMAMESH_${name}`] ?? fallback;

/** Flags with SEMAMESH_* environment fallbacks; flags win. */
export function parseControllerArgs(argv: string[]): ControllerConfig {
  const cmd = new Command('semamesh-controller')
    .description('SemaMesh controller: compiles SemaPolicies into bundles, serves them, runs the pause flow.')
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)',
      env('KUBECONFIG'),
    )
    .option('--context <name>', 'kubeconfig context')
    .option(
      '--namespace <ns>',
      'namespace of the Lease and signing-key Secret',
      env('NAMESPACE', 'semamesh-system'),
    )
    .option('--watch-namespace <ns>', 'watch one namespace only (default: all)', env('WATCH_NAMESPACE'))
    .option('--bundle-name <name>', 'bundle name served under /bundles/', env('BUNDLE_NAME', 'semamesh'))
    .option('--bundle-host <host>', 'bundle server address', env('BUNDLE_HOST', '0.0.0.0'))
    .option('--bundle-port <port>', 'bundle server port', env('BUNDLE_PORT', '8181'))
    .option(
      '--bundle-token <token>',
      'shared bearer token waypoints must send (local use)',
      env('BUNDLE_TOKEN'),
    )
    .option(
      '--bundle-tls-cert <file>',
      'serve bundles over HTTPS with this certificate',
      env('BUNDLE_TLS_CERT'),
    )
    .option('--bundle-tls-key <file>', 'key of that certificate', env('BUNDLE_TLS_KEY'))
    .option(
      '--bundle-clients <ns/name,...>',
      'ServiceAccounts that may fetch bundles; their tokens are checked by TokenReview',
      env('BUNDLE_CLIENTS'),
    )
    .option(
      '--bundle-audience <aud>',
      'audience the bundle tokens must be bound to',
      env('BUNDLE_AUDIENCE', 'semamesh-bundles'),
    )
    .option(
      '--signing-key-file <path>',
      'PEM RSA private key (RS256) or shared secret (HS256)',
      env('SIGNING_KEY_FILE'),
    )
    .option('--signing-key-secret <ns/name>', 'Secret holding the signing key', env('SIGNING_KEY_SECRET'))
    .option(
      '--signing-key-secret-key <key>',
      'key in that Secret',
      env('SIGNING_KEY_SECRET_KEY', 'signing.key'),
    )
    .option('--signing-key-id <kid>', 'kid of the bundle signatures', env('SIGNING_KEY_ID', 'semamesh'))
    .option('--metrics-host <host>', 'metrics and health address', env('METRICS_HOST', '0.0.0.0'))
    .option(
      '--metrics-port <port>',
      'metrics and health port (/metrics, /healthz, /readyz)',
      env('METRICS_PORT', '8080'),
    )
    .option('--no-leader-elect', 'run without leader election (one replica only)')
    .option('--lease-name <name>', 'Lease used for leader election', env('LEASE_NAME', 'semamesh-controller'))
    .option('--lease-duration <seconds>', 'lease duration', env('LEASE_DURATION', '15'))
    .option(
      '--identity <id>',
      'this replica in the Lease',
      env('IDENTITY', `${process.env.POD_NAME ?? hostname()}-${randomBytes(3).toString('hex')}`),
    )
    .option('--debounce <ms>', 'quiet period before a policy set compile', env('DEBOUNCE_MS', '150'))
    .option(
      '--pause-timeout <seconds>',
      'time the node agent has to freeze a pod',
      env('PAUSE_TIMEOUT', '120'),
    )
    .option('--no-gitops', 'do not reconcile SemaPolicySources (GitOps) in this process')
    .option(
      '--gitops-work-dir <dir>',
      'cache of fetched policy repositories',
      env('GITOPS_WORK_DIR', join(tmpdir(), 'semamesh-gitops')),
    )
    .option('--webhook-port <port>', 'port of the GitOps push webhook (HMAC-verified)', env('WEBHOOK_PORT'))
    .option('--webhook-secret-file <file>', 'shared webhook secret', env('WEBHOOK_SECRET_FILE'))
    .option(
      '--redis-url <url>',
      "the waypoints' shared budget store; reports SemaQuota.status.usage from it",
      env('REDIS_URL'),
    )
    .option(
      '--quota-status-interval <seconds>',
      'how often the leader writes SemaQuota usage (0: never)',
      env('QUOTA_STATUS_INTERVAL', '15'),
    )
    .option(
      '--console-port <port>',
      'serve the console here (sign-in with a Kubernetes token, RBAC-checked; default: off)',
      env('CONSOLE_PORT'),
    )
    .option('--console-host <host>', 'console address (default: the metrics address)', env('CONSOLE_HOST'))
    .exitOverride()
    .parse(argv, { from: 'user' });
  const o = cmd.opts();
  const int = (v: string, what: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new ControllerError(
        'SM_ERR_CONTROLLER_CONFIG',
        `--${what} must be a non-negative integer, got ${JSON.stringify(v)}`,
      );
    return n;
  };
  const leaderEnv = env('LEADER_ELECT');
  return {
    kubeconfig: o.kubeconfig,
    context: o.context,
    namespace: o.namespace,
    watchNamespace: o.watchNamespace,
    bundleName: o.bundleName,
    bundleHost: o.bundleHost,
    bundlePort: int(o.bundlePort, 'bundle-port'),
    bundleToken: o.bundleToken,
    bundleTlsCert: o.bundleTlsCert,
    bundleTlsKey: o.bundleTlsKey,
    bundleClients: o.bundleClients
      ? String(o.bundleClients)
          .split(',')
          .map((x: string) => x.trim())
          .filter(Boolean)
      : undefined,
    bundleAudience: o.bundleAudience,
    signingKeyFile: o.signingKeyFile,
    signingKeySecret: o.signingKeySecret,
    signingKeySecretKey: o.signingKeySecretKey,
    signingKeyId: o.signingKeyId,
    metricsHost: o.metricsHost,
    metricsPort: int(o.metricsPort, 'metrics-port'),
    leaderElection: o.leaderElect !== false && leaderEnv !== 'false',
    leaseName: o.leaseName,
    leaseDurationMs: int(o.leaseDuration, 'lease-duration') * 1000,
    identity: o.identity,
    debounceMs: int(o.debounce, 'debounce'),
    pauseTimeoutMs: int(o.pauseTimeout, 'pause-timeout') * 1000,
    gitops: o.gitops !== false && env('GITOPS') !== 'false',
    gitopsWorkDir: o.gitopsWorkDir,
    webhookPort: o.webhookPort === undefined ? undefined : int(o.webhookPort, 'webhook-port'),
    webhookSecret: o.webhookSecretFile ? readFileSync(o.webhookSecretFile, 'utf8').trim() : undefined,
    redisUrl: o.redisUrl || undefined,
    quotaStatusIntervalMs: int(o.quotaStatusInterval, 'quota-status-interval') * 1000,
    consolePort: o.consolePort === undefined ? undefined : int(o.consolePort, 'console-port'),
    consoleHost: o.consoleHost,
  };
}

/** The process entry (also for `semamesh controller <flags>`): runs until SIGTERM/SIGINT. */
export async function runController(argv: string[]): Promise<void> {
  let running: RunningController;
  try {
    running = await startController(parseControllerArgs(argv));
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return;
    jsonLog('error', errorText(err), { code: e.code });
    process.exitCode = 1;
    return;
  }
  jsonLog('info', 'controller started', {
    bundle: running.bundleUrl,
    metrics: running.metricsUrl,
    identity: running.config.identity,
  });
  const shutdown = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  void runController(process.argv.slice(2));
