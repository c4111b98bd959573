// Adapts a compiled policy bundle (Rego → wasm, run in the unmodified opa-wasm SDK through the
// engine's public entry) to the waypoint's DecisionEngine seam, with the bundle's own vocabulary.
import {
  type Bundle,
  DECISION_ENTRYPOINT,
  type Decision,
  type DecisionEngine,
  type DecisionInput,
  type EnginePolicy,
  loadPolicy,
  readBundle,
} from '../../engine/index.js';
import { Canonicalizer, type Vocabulary } from '../../intent/index.js';

export interface WasmEngine extends DecisionEngine {
  readonly policy: EnginePolicy;
  /** Built from the bundle's `data.semamesh.vocabulary`, so traffic and policy phrases agree. */
  readonly canonicalizer: Canonicalizer;
}

export interface WasmEngineOptions {
  revision: string;
  vocabulary?: Vocabulary;
  /** Default `semamesh/decision`. */
  entrypoint?: string;
}

export function wasmDecisionEngine(policy: EnginePolicy, options: WasmEngineOptions): WasmEngine {
  const entrypoint = options.entrypoint ?? DECISION_ENTRYPOINT;
  return {
    policy,
    revision: options.revision,
    canonicalizer: new Canonicalizer(options.vocabulary ?? {}),
    decide(input: DecisionInput): Decision {
      const rows = policy.evaluate(input, entrypoint);
      const result = rows[0]?.result;
      // An undefined entrypoint result means the bundle is broken; the holder fails closed on throw.
      if (result === undefined) throw new Error(`entrypoint ${entrypoint} produced no decision`);
      return result as Decision;
    },
  };
}

/** Loads a gzip'd OPA bundle (as the controller serves it) into a ready engine. */
export async function loadWasmEngine(
  bytes: Uint8Array,
  options: { entrypoint?: string } = {},
): Promise<WasmEngine> {
  const bundle: Bundle = readBundle(bytes);
  const policy = await loadPolicy(bundle);
  const semamesh = (bundle.data.semamesh ?? {}) as { vocabulary?: Vocabulary };
  return wasmDecisionEngine(policy, {
    revision: bundle.manifest.revision ?? '',
    vocabulary: semamesh.vocabulary,
    entrypoint: options.entrypoint,
  });
}
