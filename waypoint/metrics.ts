// Prometheus metrics of one waypoint instance (its own registry, so several can share a process).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { PriceBook } from '../quota/prices.js';
import type { WaypointMetricsSink } from './filters/types.js';
import { LazyCounter, LazyHistogram } from './lazy-metrics.js';

export interface WaypointMetrics extends WaypointMetricsSink {
  readonly registry: Registry;
  /** A response-cache lookup: hit, miss, or bypass (no-cache, stream, tools). */
  cache(result: 'hit' | 'miss' | 'bypass'): void;
  /** A policy bundle delivered by the bundle source: loaded, or rejected (the old one stays). */
  bundle(result: 'loaded' | 'rejected', revision?: string): void;
  /** A decision the engine could not make: timeout or error, in a namespace's own Rego or the shared one. */
  policyFailure(reason: 'timeout' | 'error', scope: 'namespace' | 'shared', namespace: string): void;
}

/**
 * prom-client's default process_* and nodejs_* metrics, without the three gauges it also exports
 * under `*_total` names (reserved for counters; promtool rejects them): nodejs_active_handles,
 * nodejs_active_requests and nodejs_active_resources carry the same figures by type.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const what of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`nodejs_active_${what}_total`);
}

export function createMetrics(options: { prices?: PriceBook } = {}): WaypointMetrics {
  const registry = new Registry();
  // process_* and nodejs_* (CPU, memory, event-loop lag, handles): the basics of any alert on a pod.
  registerProcessMetrics(registry);
  const prices = options.prices ?? new PriceBook();
  const requests = new LazyCounter(registry, {
    name: 'semamesh_waypoint_requests_total',
    help: 'Requests handled, by provider, API and response status',
    labelNames: ['provider', 'api', 'status'],
  });
  const decisions = new LazyCounter(registry, {
    name: 'semamesh_waypoint_decisions_total',
    help: 'Policy decisions, by action (ERROR when none could be made) and phase',
    labelNames: ['action', 'phase'],
  });
  const tokens = new LazyCounter(registry, {
    name: 'semamesh_waypoint_tokens_total',
    help: 'Tokens: prompt_estimate (counted before forwarding), prompt and completion (provider usage)',
    labelNames: ['provider', 'model', 'kind'],
  });
  const cost = new LazyCounter(registry, {
    name: 'semamesh_waypoint_cost_usd_total',
    help: 'Spend in US dollars from provider-reported usage at list prices (the built-in table; quota price overrides are not applied)',
    labelNames: ['provider', 'model'],
  });
  const duration = new LazyHistogram(registry, {
    name: 'semamesh_waypoint_request_duration_seconds',
    help: 'End-to-end time of an exchange, from the request arriving to the last response byte',
    labelNames: ['provider', 'api'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  });
  const failOpen = new Counter({
    name: 'semamesh_waypoint_fail_open_total',
    help: 'Requests allowed only because failOpen is set (no policy, or the engine failed)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const policyFailures = new Counter({
    name: 'semamesh_waypoint_policy_failures_total',
    help: 'Decisions the engine could not make, by reason (timeout, error), scope (namespace: that namespace custom Rego; shared) and agent namespace',
    labelNames: ['reason', 'scope', 'namespace'],
    registers: [registry],
  });
  const upstream = new LazyHistogram(registry, {
    name: 'semamesh_waypoint_upstream_duration_seconds',
    help: 'Time from sending a request upstream to its response headers',
    labelNames: ['provider'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const policy = new LazyHistogram(registry, {
    name: 'semamesh_waypoint_policy_eval_duration_seconds',
    help: 'Policy decision latency, by phase',
    labelNames: ['phase'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  });
  const cache = new Counter({
    name: 'semamesh_waypoint_cache_requests_total',
    help: 'Response cache lookups, by result (hit, miss, bypass)',
    labelNames: ['result'],
    registers: [registry],
  });
  const bundles = new Counter({
    name: 'semamesh_waypoint_bundle_updates_total',
    help: 'Policy bundles delivered to the waypoint, by result (loaded, rejected: the old one stays)',
    labelNames: ['result'],
    registers: [registry],
  });
  const bundleLoaded = new Gauge({
    name: 'semamesh_waypoint_bundle_loaded_timestamp_seconds',
    help: 'When the policy bundle in force was loaded',
    registers: [registry],
  });
  return {
    registry,
    cache: (result) => cache.inc({ result }),
    bundle(result) {
      bundles.inc({ result });
      if (result === 'loaded') bundleLoaded.set(Date.now() / 1000);
    },
    request(provider, api, status, seconds) {
      requests.inc(1, provider, api, status);
      if (seconds !== undefined) duration.observe(seconds, provider, api);
    },
    decision(action, phase, seconds) {
      decisions.inc(1, action, phase);
      policy.observe(seconds, phase);
    },
    failOpen: (reason) => failOpen.inc({ reason }),
    policyFailure: (reason, scope, namespace) => policyFailures.inc({ reason, scope, namespace }),
    tokens(provider, model, kind, n) {
      // Usage comes from upstream answers: only finite, non-negative counts are believed, and the
      // agent-chosen model string is bounded to known models or "other".
      if (!Number.isFinite(n) || n < 0) return;
      const label = modelLabel(model);
      tokens.inc(n, provider, label, kind);
      if (kind === 'prompt_estimate' || n <= 0 || !model) return;
      const price = prices.resolve(model);
      const per1M = kind === 'prompt' ? price.inputPer1M : price.outputPer1M;
      cost.inc((n * per1M) / 1e6, provider, label);
    },
    upstream: (provider, seconds) => upstream.observe(seconds, provider),
  };
}

/** Model names of the providers the waypoint speaks to; anything else is labelled `other`. */
const KNOWN_MODEL =
  /^(gpt-|chatgpt-|o[1-9](-|$)|codex-|text-embedding-|davinci|babbage|omni-moderation|claude-|gemini-|mistral-|llama-|command-)[a-z0-9.:-]{0,60}$/;
/** Distinct model labels kept at most; past it new names are `other` (bounded series). */
const MAX_MODEL_LABELS = 64;
const seenModels = new Set<string>();

/**
 * The `model` label of a request: the agent chooses the string, so only known model names become
 * labels (at most MAX_MODEL_LABELS of them), everything else `other` — /metrics stays bounded.
 */
export function modelLabel(model: string): string {
  if (!model) return 'unknown';
  const m = model.toLowerCase();
  if (!KNOWN_MODEL.test(m)) return 'other';
  if (seenModels.has(m)) return m;
  if (seenModels.size >= MAX_MODEL_LABELS) return 'other';
  seenModels.add(m);
  return m;
}
