// The policy engine's public entry: compile Rego to wasm, build and read OPA bundles, load and
// evaluate policies, run Rego tests, and compile SemaPolicy/SemaQuota resources to Rego and data.
// Everything a process only evaluating bundles needs (the decision contract, bundle reading, policy
// loading) is runtime.ts, re-exported here whole, so each of those names is listed once.
//
// The stages are folders whose imports run left to right: syntax → compile → plan → wasm → bundle,
// with tester/ and semapolicy/ on top. The engine imports only api/ (the resource types) and
// intent/ (the canonicalizer that turns policy phrases into intents at compile time).

export { type BuildBundleOptions, type BuildBundleResult, buildBundle } from './build.js';
export { writeBundle } from './bundle/index.js';
export type {
  CompileOptions,
  CompileResult,
  CompileTimings,
  InternalError,
  SourceFile,
  StageName,
} from './compiler.js';
export { compile, isInternalError } from './compiler.js';
export { loadPolicyFiles, type PolicyFiles } from './loader.js';
export * from './runtime.js';
export {
  type CompiledPolicy,
  type CompiledRule,
  type CompileResourcesOptions,
  type CompileResourcesResult,
  compileResources,
  type ResourceSet,
  resourceKey,
} from './semapolicy/compile-resources.js';
export type { Diagnostic, DiagnosticCode, DiagnosticLocation } from './syntax/diagnostics.js';
export { formatDiagnostic } from './syntax/diagnostics.js';
export {
  exitCode as testExitCode,
  formatJson as formatTestJson,
  formatPretty as formatTestPretty,
  runTests,
} from './tester/index.js';
