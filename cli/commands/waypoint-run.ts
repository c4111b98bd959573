// `semamesh waypoint`'s composition: the policy (compiled YAML, or bundles), budgets, routes, the
// cluster services and transparent mode around one createWaypoint, listening until closed.
import { readFileSync } from 'node:fs';
import type { SemaQuota } from '../../api/index.js';
import type { QuotaBudgetEngine } from '../../quota/index.js';
import {
  budgetBackend,
  type CacheOptions,
  createWaypoint,
  type DecisionEngine,
  parseClassifierRules,
  type QuotaBackend,
  type RouteConfig,
  routePolicy,
  type TransparentMode,
  type Waypoint,
} from '../../waypoint/index.js';
import { isWaypointWorker } from '../../waypoint/workers.js';
import { loadServedPolicy } from './policy-cache.js';
import { openBudgetEngine } from './waypoint-budget.js';
import { bundleSourceFor } from './waypoint-bundles.js';
import { nodeAgentIdentity } from './waypoint-identity.js';
import type { WaypointCliOptions } from './waypoint-options.js';
import {
  auditStream,
  clusterServices,
  consoleReporter,
  nodeIdentity,
  prepareTransparent,
} from './waypoint-services.js';
import { primaryBundleSource } from './waypoint-workers.js';

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

export async function runWaypoint(opts: WaypointCliOptions): Promise<RunningWaypoint> {
  const tp = await prepareTransparent(opts);
  let engine: DecisionEngine | undefined;
  let quotas: SemaQuota[] = [];
  // In a worker of --workers the primary is the bundle client and serves the admin port.
  const worker = isWaypointWorker();
  const source = bundleSourceFor(opts);
  const bundleSource = source && worker ? primaryBundleSource() : source;
  if (opts.policies?.length) {
    const loaded = await loadServedPolicy(opts.policies);
    quotas = loaded.quotas;
    // With a bundle the bundle decides; the YAML still supplies the SemaQuotas.
    if (!opts.bundle && !opts.bundleUrl) engine = loaded.engine;
  }
  let budget: QuotaBudgetEngine | undefined;
  let quota: QuotaBackend | undefined;
  if (quotas.length > 0 || opts.quotaDb || opts.redisUrl) {
    budget = await openBudgetEngine(opts, quotas, opts.nodeName ? 'namespaced' : 'single');
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
  const reporter = await consoleReporter(opts, (message) => waypoint.app.log.warn(message));
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
    auditStream: await auditStream(opts, reporter?.add),
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
