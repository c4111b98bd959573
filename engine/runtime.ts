// The engine's run-time entry: what a waypoint needs to read a bundle and evaluate its policy, and the
// decision contract, without the Rego compiler. Importing the full entry (index.ts) loads every
// compiler stage and the resource validators, hundreds of milliseconds of a server's start-up that
// a process only evaluating bundles never uses.
export type { Bundle, BundleModule, Manifest, ReadBundleLimits } from './bundle/index.js';
export { readBundle } from './bundle/index.js';
export { EngineError, type EngineErrorCode } from './errors.js';
export { EnginePolicy, type LoadOptions, loadPolicy, loadPolicySync, type ResultRow } from './policy.js';
// The decision contract, whole: its types, ACTIONS and DECISION_ENTRYPOINT.
export * from './semapolicy/decision.js';
export { tenantEntrypoint } from './semapolicy/tenancy.js';
