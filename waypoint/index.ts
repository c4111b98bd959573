// Public entry of the waypoint: the server factory, the policy seam and the filter contract.
export * from './errors.js';
export type { QuotaBackend } from './filters/quota/index.js';
export type { Filter, RequestContext, StreamItem } from './filters/types.js';
export * from './policy/decision.js';
export { PolicyHolder } from './policy/holder.js';
export type { PauseReport, PauseReporter } from './policy/pause-reporter.js';
export { loadWasmEngine, type WasmEngine, wasmDecisionEngine } from './policy/wasm-engine.js';
export type { Destination, OriginalDestination, RouteConfig } from './routing.js';
export { createWaypoint, type Waypoint, type WaypointOptions } from './server.js';
