// Local mode's policy loading: SemaPolicy/SemaQuota YAML (and their cluster-scoped kinds) from files
// and directories → a compiled bundle → a decision engine the waypoint can swap in. Shared by
// `semamesh up`, `semamesh demo` and `semamesh waypoint --policies`.
import type { SemaClusterPolicy, SemaClusterQuota, SemaPolicy, SemaQuota } from '../../api/index.js';
import { formatDiagnostic as formatApiDiagnostic, validatePaths } from '../../api/index.js';
import { type CompileResourcesResult, compileResources, formatDiagnostic } from '../../engine/index.js';
import type { DecisionEngine } from '../../waypoint/index.js';
import { loadWasmEngine } from '../../waypoint/policy/wasm-engine.js';

export interface LocalPolicy {
  engine: DecisionEngine;
  compiled: CompileResourcesResult;
  policies: (SemaPolicy | SemaClusterPolicy)[];
  quotas: (SemaQuota | SemaClusterQuota)[];
}

/**
 * Validates and compiles every SemaPolicy, SemaClusterPolicy, SemaQuota and SemaClusterQuota under
 * `paths`; throws with located diagnostics.
 */
export async function loadLocalPolicy(
  paths: string[],
  revision = `local-${Date.now()}`,
): Promise<LocalPolicy> {
  const summary = await validatePaths(paths);
  const errors = summary.diagnostics.filter((d) => d.severity === 'error').map(formatApiDiagnostic);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const policies = summary.objects
    .filter((d) => d.kind === 'SemaPolicy' || d.kind === 'SemaClusterPolicy')
    .map((d) => d.object as SemaPolicy | SemaClusterPolicy);
  const quotas = summary.objects
    .filter((d) => d.kind === 'SemaQuota' || d.kind === 'SemaClusterQuota')
    .map((d) => d.object as SemaQuota | SemaClusterQuota);
  const compiled = compileResources({ policies, quotas }, { revision, tenancy: 'single' });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n') || 'no bundle');
  return { engine: await loadWasmEngine(compiled.bundle), compiled, policies, quotas };
}
