// Local mode's policy loading: SemaPolicy/SemaQuota YAML from files and directories → a compiled
// bundle → a decision engine the waypoint can swap in. Shared by `semamesh up` and `semamesh demo`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SemaPolicy, SemaQuota } from '../../api/index.js';
import { formatDiagnostic as formatApiDiagnostic, validatePaths } from '../../api/index.js';
import { type CompileResourcesResult, compileResources, formatDiagnostic } from '../../engine/index.js';
import { type DecisionEngine, loadWasmEngine } from '../../waypoint/index.js';

export interface LocalPolicy {
  engine: DecisionEngine;
  compiled: CompileResourcesResult;
  policies: SemaPolicy[];
  quotas: SemaQuota[];
}

/** Validates and compiles every SemaPolicy and SemaQuota under `paths`; throws with located diagnostics. */
export async function loadLocalPolicy(
  paths: string[],
  revision = `local-${Date.now()}`,
): Promise<LocalPolicy> {
  const summary = await validatePaths(paths);
  const errors = summary.diagnostics.filter((d) => d.severity === 'error').map(formatApiDiagnostic);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const policies = summary.objects.filter((d) => d.kind === 'SemaPolicy').map((d) => d.object as SemaPolicy);
  const quotas = summary.objects.filter((d) => d.kind === 'SemaQuota').map((d) => d.object as SemaQuota);
  const compiled = compileResources({ policies, quotas }, { revision, tenancy: 'single' });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n') || 'no bundle');
  return { engine: await loadWasmEngine(compiled.bundle), compiled, policies, quotas };
}

/** The sample policy shipped with SemaMesh (found from source or dist/), used when no policies are given. */
export function samplePolicyPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'examples', 'sample-policy.yaml');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('examples/sample-policy.yaml not found next to the CLI');
    dir = up;
  }
}
