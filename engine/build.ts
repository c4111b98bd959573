// Compiles Rego and packages the result as an OPA bundle, like `opa build -t wasm`.
import { writeBundle } from './bundle/index.js';
import { planPruning } from './bundle/prune.js';
import { type CompileOptions, type CompileResult, compile } from './compiler.js';

export interface BuildBundleOptions {
  modules: CompileOptions['modules'];
  /** `pkg/rule` paths; at least one is needed for a wasm bundle. */
  entrypoints: string[];
  /** `wasm` (default): policy.wasm + sources; `rego`: the checked sources and data only (`opa build`). */
  target?: 'wasm' | 'rego';
  /** The base document (`/data.json`). */
  data?: Record<string, unknown>;
  revision?: string;
  /** The bundle's roots; default `[""]` (owns all of data). */
  roots?: string[];
  metadata?: Record<string, unknown>;
  /** Rego version of the modules (0: `--v0-compatible`), recorded as the manifest's rego_version. */
  regoVersion?: 0 | 1;
  /**
   * Prune entrypoints as `opa build -t wasm` does (`semamesh build`). Off for SemaMesh's own bundles:
   * the waypoint reads their .rego sources to learn which input fields the policy needs.
   */
  prune?: boolean;
}

export interface BuildBundleResult extends CompileResult {
  /** The gzip'd bundle, present when compilation succeeded. */
  bundle?: Uint8Array;
}

/** Compiles the modules for the entrypoints and packages the result as an OPA bundle (`opa build -t wasm`). */
export function buildBundle(options: BuildBundleOptions): BuildBundleResult {
  const wasm = options.target !== 'rego';
  let result: BuildBundleResult = compile({
    modules: options.modules,
    entrypoints: wasm ? options.entrypoints : [],
    regoVersion: options.regoVersion,
  });
  // As opa build: the entrypoints and the rules that depend on them move into the wasm.
  let plan = { entrypoints: options.entrypoints, modules: options.modules };
  if (options.prune && wasm && result.wasm && result.modules) {
    plan = planPruning(options.modules, result.modules, options.entrypoints);
    if (plan.entrypoints.length > options.entrypoints.length)
      result = compile({
        modules: options.modules,
        entrypoints: plan.entrypoints,
        regoVersion: options.regoVersion,
      });
  }
  if (wasm && options.entrypoints.length === 0 && result.diagnostics.length === 0)
    result.diagnostics.push({
      code: 'rego_compile_error',
      message: 'a wasm bundle needs at least one entrypoint',
    });
  if ((wasm && !result.wasm) || result.diagnostics.length > 0) return result;
  if (!wasm) result.wasm = undefined;
  result.bundle = writeBundle({
    manifest: {
      revision: options.revision ?? '',
      roots: options.roots ?? [''],
      ...(wasm
        ? { wasm: plan.entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })) }
        : {}),
      rego_version: options.regoVersion ?? 1,
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
    data: options.data,
    modules: plan.modules,
    wasm: result.wasm,
  });
  return result;
}
