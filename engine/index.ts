// The policy engine's public entry: compile Rego to wasm, build and read OPA bundles, load and
// evaluate policies, run Rego tests, and compile SemaPolicy/SemaQuota resources to Rego and data.
//
// The stages are folders whose imports run left to right: syntax → compile → plan → wasm → bundle,
// with tester/ and semapolicy/ on top. The engine imports only api/ (the resource types) and
// intent/ (the canonicalizer that turns policy phrases into intents at compile time).

export { type BuildBundleOptions, type BuildBundleResult, buildBundle } from './build.js';
export type { Bundle, BundleModule, Manifest, ReadBundleLimits } from './bundle/index.js';
export { readBundle, writeBundle } from './bundle/index.js';
export type {
  CompileOptions,
  CompileResult,
  CompileTimings,
  InternalError,
  SourceFile,
  StageName,
} from './compiler.js';
export { compile, isInternalError } from './compiler.js';
export { EngineError, type EngineErrorCode } from './errors.js';
export { loadPolicyFiles, type PolicyFiles } from './loader.js';
export { EnginePolicy, type LoadOptions, loadPolicy, loadPolicySync, type ResultRow } from './policy.js';
export {
  type CompiledPolicy,
  type CompiledRule,
  type CompileResourcesOptions,
  type CompileResourcesResult,
  compileResources,
  DECISION_ENTRYPOINT,
  type ResourceSet,
  resourceKey,
} from './semapolicy/compile-resources.js';
export type {
  Action,
  AgentIdentity,
  DecideOptions,
  Decision,
  DecisionEngine,
  DecisionFeatures,
  DecisionInput,
  DecisionRequest,
  Reason,
  Redaction,
  ToolCall,
} from './semapolicy/decision.js';
export { ACTIONS } from './semapolicy/decision.js';
export { tenantEntrypoint } from './semapolicy/tenancy.js';
export type { Diagnostic, DiagnosticCode, DiagnosticLocation } from './syntax/diagnostics.js';
export { formatDiagnostic } from './syntax/diagnostics.js';
export {
  exitCode as testExitCode,
  formatJson as formatTestJson,
  formatPretty as formatTestPretty,
  runTests,
} from './tester/index.js';
