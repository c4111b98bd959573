// Turns SemaPolicy / SemaQuota resources into an OPA bundle: rules become data (intent phrases
// canonicalized to `action:object` pairs), the shipped Rego library is the logic, and only a
// resource's custom `spec.rego` becomes generated Rego — under a package we choose, never one it can.
import type { SemaPolicy, SemaQuota } from '../../api/index.js';
import { Canonicalizer, type Vocabulary } from '../../intent/canonicalize.js';
import { buildBundle } from '../build.js';
import type { SourceFile } from '../compiler.js';
import type { Diagnostic } from '../syntax/diagnostics.js';
import { parseModule, printModule, stringTerm, varTerm } from '../syntax/index.js';
import { libraryModules } from './library.js';

/** The decision entrypoint every waypoint evaluates. */
export const DECISION_ENTRYPOINT = 'semamesh/decision';

export interface CompiledRule {
  name: string;
  intents: string[];
  tools: { name: string; argumentPattern?: string }[];
  texts: ({ literal: string } | { regex: string })[];
  risk: string;
  action: string;
  message?: string;
}

export interface CompiledPolicy {
  enforcement: 'enforce' | 'dryrun';
  priority: number;
  selector: Record<string, unknown>;
  rules: CompiledRule[];
}

export interface ResourceSet {
  policies: SemaPolicy[];
  quotas?: SemaQuota[];
}

export interface CompileResourcesResult {
  /** The gzip'd OPA bundle, present when there were no errors. */
  bundle?: Uint8Array;
  wasm?: Uint8Array;
  /** The base document (`/data.json`). */
  data: {
    semamesh: {
      policies: Record<string, CompiledPolicy>;
      quotas: Record<string, unknown>;
      vocabulary: Vocabulary;
    };
  };
  /** The Rego in the bundle: the library plus one generated module per custom `spec.rego`. */
  modules: SourceFile[];
  diagnostics: Diagnostic[];
  summary: { policies: number; rules: number; intents: number; customModules: number; quotas: number };
}

const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;

/**
 * Canonicalizes a policy phrase. A phrase in words the lexicon lacks ("fire employee") still works:
 * its first word becomes the action, its last the object, and both join the bundle's vocabulary so
 * the waypoint's canonicalizer recognizes them in traffic too.
 */
function canonicalPhrase(phrase: string, canon: Canonicalizer, vocab: Required<Vocabulary>): string[] {
  const pairs = canon.phrase(phrase);
  if (pairs.length > 0) return pairs;
  const words = phrase
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
  if (words.length < 2) return [];
  const [verb, object] = [words[0], words[words.length - 1]];
  vocab.actions[verb] = [...new Set([...(vocab.actions[verb] ?? []), verb])];
  vocab.objects[object] = [...new Set([...(vocab.objects[object] ?? []), object])];
  return [`${verb}:${object}`];
}

/** A resource's custom Rego, moved under `data.semamesh.custom["<ns>/<name>"]` whatever package it declared. */
function customModule(policy: SemaPolicy, id: string, diagnostics: Diagnostic[]): SourceFile | undefined {
  const source = policy.spec.rego;
  if (!source) return undefined;
  const file = `custom/${id}.rego`;
  const parsed = parseModule(source, file);
  if (!parsed.module) {
    diagnostics.push(...parsed.diagnostics);
    return undefined;
  }
  const module = parsed.module;
  // Resource strings reach Rego only as a string term of the package path, which the printer quotes.
  module.package.path = [varTerm('data'), stringTerm('semamesh'), stringTerm('custom'), stringTerm(id)];
  const header = [
    '# METADATA',
    '# title: Custom Rego from a SemaPolicy',
    `# description: Generated from SemaPolicy ${JSON.stringify(id)} (spec.rego); edit the resource, not this file.`,
    '# custom:',
    `#   source: ${JSON.stringify(`SemaPolicy/${id}`)}`,
  ].join('\n');
  // A blank line keeps our METADATA block apart from one the user wrote above their package.
  return { file, source: `${header}\n\n${printModule(module)}` };
}

/** Rule references by intent, plus the rules that must always be checked (tool and text matches). */
export interface RuleIndex {
  intents: Record<string, [string, number][]>;
  scan: [string, number][];
}

function indexRules(policies: Record<string, CompiledPolicy>): RuleIndex {
  const index: RuleIndex = { intents: {}, scan: [] };
  for (const [id, policy] of Object.entries(policies)) {
    policy.rules.forEach((rule, i) => {
      for (const intent of rule.intents) {
        index.intents[intent] ??= [];
        index.intents[intent].push([id, i]);
      }
      if (rule.tools.length > 0 || rule.texts.length > 0) index.scan.push([id, i]);
    });
  }
  return index;
}

/** Compiles a set of resources into a bundle; never throws for problems in the resources. */
export function compileResources(
  set: ResourceSet,
  options: { revision?: string } = {},
): CompileResourcesResult {
  const diagnostics: Diagnostic[] = [];
  const vocabulary = { actions: {}, objects: {} } as Required<Vocabulary>;
  const canon = new Canonicalizer();
  const policies: Record<string, CompiledPolicy> = {};
  const custom: SourceFile[] = [];
  let rules = 0;
  let intents = 0;
  for (const policy of [...set.policies].sort((a, b) => (key(a) < key(b) ? -1 : 1))) {
    const id = key(policy);
    const compiledRules: CompiledRule[] = [];
    for (const rule of policy.spec.rules ?? []) {
      const pairs = new Set<string>();
      for (const phrase of rule.intentMatches ?? []) {
        const found = canonicalPhrase(phrase, canon, vocabulary);
        if (found.length === 0)
          diagnostics.push({
            code: 'rego_compile_error',
            message: `SemaPolicy ${id} rule ${rule.name}: intent ${JSON.stringify(phrase)} names no action and object`,
            location: { file: `SemaPolicy/${id}`, row: 0, col: 0 },
          });
        for (const p of found) pairs.add(p);
      }
      intents += pairs.size;
      compiledRules.push({
        name: rule.name,
        intents: [...pairs].sort(),
        tools: (rule.toolMatches ?? []).map((t) => ({ ...t })),
        texts: (rule.textMatches ?? []).map((t) => ({ ...t })) as CompiledRule['texts'],
        risk: rule.riskLevel ?? 'Medium',
        action: rule.action,
        ...(rule.message ? { message: rule.message } : {}),
      });
    }
    rules += compiledRules.length;
    policies[id] = {
      enforcement: policy.spec.enforcement ?? 'enforce',
      priority: policy.spec.priority ?? 0,
      selector: (policy.spec.selector ?? {}) as Record<string, unknown>,
      rules: compiledRules,
    };
    const mod = customModule(policy, id, diagnostics);
    if (mod) custom.push(mod);
  }
  const quotas: Record<string, unknown> = {};
  for (const q of set.quotas ?? []) quotas[key(q)] = q.spec;

  const data = { semamesh: { policies, quotas, vocabulary, index: indexRules(policies) } };
  const modules = [...libraryModules(), ...custom];
  const summary = {
    policies: set.policies.length,
    rules,
    intents,
    customModules: custom.length,
    quotas: Object.keys(quotas).length,
  };
  if (diagnostics.length > 0) return { data, modules, diagnostics, summary };
  const built = buildBundle({
    modules,
    entrypoints: [DECISION_ENTRYPOINT],
    data,
    revision: options.revision ?? '',
    roots: [''],
    metadata: { generator: 'semamesh', policies: summary.policies, rules, intents },
  });
  return { bundle: built.bundle, wasm: built.wasm, data, modules, diagnostics: built.diagnostics, summary };
}
