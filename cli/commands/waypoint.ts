// `semamesh waypoint`: runs the governing proxy in the foreground with policies compiled from
// SemaPolicy YAML (or OPA bundles from a watched file or the controller's bundle service), budgets
// from SemaQuota YAML (SQLite or Redis store), the response cache, explicit routes, admin routes.
// This file is the command (flags, start, signals, --workers); the composition is in
// waypoint-run.ts, bundle sources in waypoint-bundles.ts, the cluster and transparent-mode services
// in waypoint-services.ts.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { createLogger, parseClassifierRules } from '../../waypoint/index.js';
import { defaultWorkers, isWaypointWorker, reportListening } from '../../waypoint/workers.js';
import { routeFlagOptions } from './route-flags.js';
import { defaultQuotaDb } from './waypoint-budget.js';
import { bundleSourceFor } from './waypoint-bundles.js';
import type { WaypointCliOptions } from './waypoint-options.js';
import { type RunningWaypoint, runWaypoint } from './waypoint-run.js';
import { DEFAULT_NODE_AGENT_SOCKET, transparentCa } from './waypoint-services.js';
import { startWaypointPrimary } from './waypoint-workers.js';

export { pollerBundleSource } from './waypoint-bundles.js';
export type { WaypointCliOptions } from './waypoint-options.js';
export { type RunningWaypoint, runWaypoint } from './waypoint-run.js';

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
