// Adapts a compiled policy bundle (Rego → wasm, run in the unmodified opa-wasm SDK through the
// engine's public entry) to the waypoint's DecisionEngine seam, with the bundle's own vocabulary.
// Agents of a namespace with custom Rego are judged through that namespace's own entrypoint, so a
// module that fails or runs long fails that namespace only (PolicyFailure says which).
import {
  type Bundle,
  DECISION_ENTRYPOINT,
  type DecideOptions,
  type Decision,
  type DecisionEngine,
  type DecisionInput,
  EngineError,
  type EnginePolicy,
  loadPolicy,
  readBundle,
  tenantEntrypoint,
} from '../../engine/runtime.js';
import { Canonicalizer, defaultCanonicalizer, type Vocabulary } from '../../intent/index.js';
import { ALL_INPUT, type InputNeeds, inputNeeds } from './input-needs.js';

export interface WasmEngine extends DecisionEngine {
  readonly policy: EnginePolicy;
  /** Built from the bundle's `data.semamesh.vocabulary`, so traffic and policy phrases agree. */
  readonly canonicalizer: Canonicalizer;
  /** Which request text fields the bundle's Rego reads (the decision input leaves out the others). */
  readonly needs: InputNeeds;
}

export interface WasmEngineOptions {
  revision: string;
  vocabulary?: Vocabulary;
  /** Default `semamesh/decision`. */
  entrypoint?: string;
  /** What the policy reads of the request's text (default: everything). */
  needs?: InputNeeds;
}

/**
 * Why an engine could not decide, and for whom: `namespace` when only the agent's namespace's own
 * entrypoint (its custom Rego) failed, `shared` when the decision every agent uses failed.
 */
export class PolicyFailure extends Error {
  constructor(
    readonly reason: 'timeout' | 'error',
    readonly scope: 'namespace' | 'shared',
    readonly namespace: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PolicyFailure';
  }
}

/**
 * The canonicalizer of a bundle's vocabulary: the process's shared one when the bundle adds no
 * word to the lexicon (most bundles), since building one (its phrase table) is a start-up cost.
 * An entry with no phrases still adds its canonical name, so only an empty vocabulary is shared.
 */
function canonicalizerFor(vocabulary: Vocabulary): Canonicalizer {
  const adds = Object.keys(vocabulary.actions ?? {}).length + Object.keys(vocabulary.objects ?? {}).length;
  return adds === 0 ? defaultCanonicalizer() : new Canonicalizer(vocabulary);
}

export function wasmDecisionEngine(policy: EnginePolicy, options: WasmEngineOptions): WasmEngine {
  const shared = options.entrypoint ?? DECISION_ENTRYPOINT;
  return {
    policy,
    revision: options.revision,
    canonicalizer: canonicalizerFor(options.vocabulary ?? {}),
    needs: options.needs ?? ALL_INPUT,
    decide(input: DecisionInput, opts: DecideOptions = {}): Decision {
      const namespace = input.agent?.namespace ?? '';
      const tenant = tenantEntrypoint(namespace);
      // Only the agent's own namespace's entrypoint: a namespace's Rego never runs for anyone else.
      const own = !opts.sharedOnly && namespace !== '' && tenant in policy.entrypoints;
      const entrypoint = own ? tenant : shared;
      let rows: ReturnType<EnginePolicy['evaluate']>;
      try {
        rows = policy.evaluate(input, entrypoint, { timeoutMs: opts.timeoutMs });
      } catch (err) {
        const reason =
          err instanceof EngineError && err.code === 'SM_ERR_ENGINE_TIMEOUT' ? 'timeout' : 'error';
        const message = err instanceof Error ? err.message : String(err);
        throw new PolicyFailure(reason, own ? 'namespace' : 'shared', namespace, message, { cause: err });
      }
      const result = rows[0]?.result;
      // An undefined entrypoint result means the bundle is broken; the holder fails closed on throw.
      if (result === undefined)
        throw new PolicyFailure(
          'error',
          own ? 'namespace' : 'shared',
          namespace,
          `entrypoint ${entrypoint} produced no decision`,
        );
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
    needs: inputNeeds(bundle.modules, bundle.data, bundle.entrypoints),
  });
}
