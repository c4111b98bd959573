// Public entry of the waypoint: the server factory, the policy seam and the filter contract. The TLS
// side (mesh CA, leaf minting) has its own entry, tls/index.ts, so a plain-HTTP waypoint never loads
// the x509 modules.
export * from './errors.js';
export { type CacheOptions, type CacheResult, LruCache } from './filters/cache/index.js';
export { parseClassifierRules } from './filters/classifier/config.js';
export type { ClassifierRule } from './filters/classifier/index.js';
export { type LocalIdentityOptions, localIdentity } from './filters/identity/local.js';
export { findPeerProcess, type PeerProcess } from './filters/identity/peer-process.js';
export {
  type BudgetEngineLike,
  type BudgetReservation,
  type BudgetReserveRequest,
  budgetBackend,
} from './filters/quota/budget-adapter.js';
export type {
  QuotaBackend,
  QuotaOutcome,
  QuotaReservation,
  QuotaUsage,
} from './filters/quota/index.js';
export type { Filter, RequestContext, StreamItem } from './filters/types.js';
export { createLogger, logOptions } from './logging.js';
export { createMetrics, registerProcessMetrics, type WaypointMetrics } from './metrics.js';
export {
  type BundleInfo,
  BundleLoader,
  type BundleSink,
  type BundleSource,
  fileBundleSource,
} from './policy/bundle-source.js';
export * from './policy/decision.js';
export { PolicyHolder } from './policy/holder.js';
export { nodeAgentPauseReporter, type PauseReport, type PauseReporter } from './policy/pause-reporter.js';
export { loadWasmEngine, type WasmEngine, wasmDecisionEngine } from './policy/wasm-engine.js';
export type { Destination, OriginalDestination, RouteConfig } from './routing.js';
export { createWaypoint, type Waypoint, type WaypointOptions } from './server.js';
export { DEFAULT_GOVERNED_HOSTS, DEFAULT_PASSTHROUGH, type RouteFlags, routePolicy } from './target.js';
export {
  type DestinationLookup,
  destinationOf,
  type InterceptedConnection,
  TransparentMode,
  type TransparentOptions,
} from './transparent.js';
