// Turns SemaPolicy / SemaQuota resources into an OPA bundle: rules become data (intent phrases
// canonicalized to `action:object` pairs), the shipped Rego library is the logic, and only a
// resource's custom `spec.rego` becomes generated Rego — under a package we choose, never one it can.
// Tenancy: a namespaced resource governs only its namespace's agents (docs/security.md).
import type {
  ClassifierRef,
  SemaClusterPolicy,
  SemaClusterQuota,
  SemaPolicy,
  SemaQuota,
} from '../../api/index.js';
import { Canonicalizer, type Vocabulary } from '../../intent/canonicalize.js';
import { buildBundle } from '../build.js';
import type { SourceFile } from '../compiler.js';
import type { Diagnostic } from '../syntax/diagnostics.js';
import { parseModule, printModule, stringTerm, varTerm } from '../syntax/index.js';
import { DECISION_ENTRYPOINT } from './decision.js';
import { libraryModules } from './library.js';

export { DECISION_ENTRYPOINT };

import { customDataProblems, TENANT_ROOT, tenantEntrypoint, tenantModule } from './tenancy.js';

export interface CompiledRule {
  name: string;
  intents: string[];
  tools: { name: string; argumentPattern?: string }[];
  texts: ({ literal: string } | { regex: string })[];
  risk: string;
  action: string;
  message?: string;
  /** A classifier configured on the waypoint, consulted for this rule (docs/classifier.md). */
  classifier?: ClassifierRef;
}

export interface CompiledPolicy {
  enforcement: 'enforce' | 'dryrun';
  priority: number;
  selector: Record<string, unknown>;
  rules: CompiledRule[];
}

export interface ResourceSet {
  policies: (SemaPolicy | SemaClusterPolicy)[];
  quotas?: (SemaQuota | SemaClusterQuota)[];
}

/** Where a policy applies: everywhere (cluster kinds, local mode) or only in its namespace. */
export type PolicyScope = { kind: 'cluster' } | { kind: 'namespace'; namespace: string };

export interface CompileResourcesOptions {
  revision?: string;
  /**
   * `namespaced` (default): a namespaced SemaPolicy/SemaQuota governs only its own namespace, and
   * only SemaCluster* kinds reach every agent. `single`: one tenant (local mode, where documents
   * carry `namespace: default` and agents run as `local`): every policy is cluster-wide.
   */
  tenancy?: 'namespaced' | 'single';
}

export interface CompileResourcesResult {
  /** The gzip'd OPA bundle, present when there were no errors. */
  bundle?: Uint8Array;
  wasm?: Uint8Array;
  /** The base document (`/data.json`). */
  data: {
    semamesh: {
      /** Cluster-wide policies (SemaClusterPolicy, and every policy with `tenancy: single`). */
      policies: Record<string, CompiledPolicy>;
      /** Namespaced policies by namespace: looked up by the agent's namespace, nothing else. */
      namespaces: Record<string, { policies: Record<string, CompiledPolicy>; index: RuleIndex }>;
      quotas: Record<string, unknown>;
      vocabulary: Vocabulary;
    };
  };
  /** Namespaces that have custom Rego, each evaluated through its own entrypoint. */
  tenantEntrypoints: Record<string, string>;
  /** The Rego in the bundle: the library plus one generated module per custom `spec.rego`. */
  modules: SourceFile[];
  diagnostics: Diagnostic[];
  summary: { policies: number; rules: number; intents: number; customModules: number; quotas: number };
}

type Obj = { kind?: string; metadata?: { namespace?: string; name?: string } };
const isClusterKind = (o: Obj) => o.kind === 'SemaClusterPolicy' || o.kind === 'SemaClusterQuota';

/** `<ns>/<name>`, or `<Kind>/<name>` for cluster kinds (no namespace has capitals, so ids never clash). */
export const resourceKey = (o: Obj) =>
  isClusterKind(o)
    ? `${o.kind}/${o.metadata?.name ?? ''}`
    : `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
const key = resourceKey;

function scopeOf(o: Obj, tenancy: 'namespaced' | 'single'): PolicyScope {
  if (isClusterKind(o) || tenancy === 'single') return { kind: 'cluster' };
  return { kind: 'namespace', namespace: o.metadata?.namespace ?? 'default' };
}

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

/**
 * A resource's custom Rego, moved whatever package it declared: cluster-wide ones under
 * `data.semamesh.custom["<id>"]`, a namespace's under `data.semamesh.tenants["<ns>"].custom["<name>"]`,
 * where only that namespace's entrypoint reaches it. A namespace's module may read nothing of `data`
 * but its own package, so it cannot see another tenant's policies.
 */
function customModule(
  policy: SemaPolicy | SemaClusterPolicy,
  id: string,
  scope: PolicyScope,
  diagnostics: Diagnostic[],
): SourceFile | undefined {
  const source = policy.spec.rego;
  if (!source) return undefined;
  const file = `custom/${id}.rego`;
  const parsed = parseModule(source, file);
  if (!parsed.module) {
    diagnostics.push(...parsed.diagnostics);
    return undefined;
  }
  const module = parsed.module;
  // Resource strings reach Rego only as string terms of the package path, which the printer quotes.
  const path =
    scope.kind === 'cluster'
      ? ['semamesh', 'custom', id]
      : [...TENANT_ROOT, scope.namespace, 'custom', policy.metadata?.name ?? ''];
  if (scope.kind === 'namespace') {
    const problems = customDataProblems(module, path, file);
    if (problems.length > 0) {
      diagnostics.push(...problems);
      return undefined;
    }
  }
  module.package.path = [varTerm('data'), ...path.map((p) => stringTerm(p))];
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

/**
 * Rule references by intent, plus the rules that must always be checked (tool and text matches)
 * and those that name a classifier (the decision lists them for the waypoint to consult).
 */
export interface RuleIndex {
  intents: Record<string, [string, number][]>;
  scan: [string, number][];
  classify: [string, number][];
}

function indexRules(policies: Record<string, CompiledPolicy>): RuleIndex {
  const index: RuleIndex = { intents: {}, scan: [], classify: [] };
  for (const [id, policy] of Object.entries(policies)) {
    policy.rules.forEach((rule, i) => {
      for (const intent of rule.intents) {
        index.intents[intent] ??= [];
        index.intents[intent].push([id, i]);
      }
      if (rule.tools.length > 0 || rule.texts.length > 0) index.scan.push([id, i]);
      if (rule.classifier) index.classify.push([id, i]);
    });
  }
  return index;
}

/** Compiles a set of resources into a bundle; never throws for problems in the resources. */
export function compileResources(
  set: ResourceSet,
  options: CompileResourcesOptions = {},
): CompileResourcesResult {
  const tenancy = options.tenancy ?? 'namespaced';
  const diagnostics: Diagnostic[] = [];
  const vocabulary = { actions: {}, objects: {} } as Required<Vocabulary>;
  const canon = new Canonicalizer();
  const policies: Record<string, CompiledPolicy> = {};
  const byNamespace: Record<string, Record<string, CompiledPolicy>> = {};
  const custom: SourceFile[] = [];
  /** Namespace → ids of its policies with custom Rego. */
  const tenantCustom = new Map<string, string[]>();
  let rules = 0;
  let intents = 0;
  for (const policy of [...set.policies].sort((a, b) => (key(a) < key(b) ? -1 : 1))) {
    const id = key(policy);
    const scope = scopeOf(policy, tenancy);
    if (scope.kind === 'namespace')
      for (const ns of policy.spec.selector?.namespaces ?? [])
        if (ns !== scope.namespace)
          diagnostics.push({
            code: 'rego_compile_error',
            message: `SemaPolicy ${id}: selector.namespaces names ${JSON.stringify(ns)}; a namespaced SemaPolicy governs only its own namespace (use a SemaClusterPolicy)`,
            location: { file: `SemaPolicy/${id}`, row: 0, col: 0 },
          });
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
        ...(rule.classifier ? { classifier: { ...rule.classifier } } : {}),
      });
    }
    rules += compiledRules.length;
    const compiled: CompiledPolicy = {
      enforcement: policy.spec.enforcement ?? 'enforce',
      priority: policy.spec.priority ?? 0,
      selector: (policy.spec.selector ?? {}) as Record<string, unknown>,
      rules: compiledRules,
    };
    if (scope.kind === 'cluster') policies[id] = compiled;
    else {
      byNamespace[scope.namespace] ??= {};
      byNamespace[scope.namespace][id] = compiled;
    }
    const mod = customModule(policy, id, scope, diagnostics);
    if (mod) {
      custom.push(mod);
      if (scope.kind === 'namespace') {
        const ids = tenantCustom.get(scope.namespace) ?? [];
        ids.push(policy.metadata?.name ?? '');
        tenantCustom.set(scope.namespace, ids);
      }
    }
  }
  const quotas: Record<string, unknown> = {};
  for (const q of set.quotas ?? []) quotas[key(q)] = q.spec;

  const namespaces: CompileResourcesResult['data']['semamesh']['namespaces'] = {};
  for (const [ns, ps] of Object.entries(byNamespace))
    namespaces[ns] = { policies: ps, index: indexRules(ps) };
  const data = { semamesh: { policies, namespaces, quotas, vocabulary, index: indexRules(policies) } };
  // One generated entrypoint per namespace with custom Rego: only it reaches that namespace's modules.
  const tenantEntrypoints: Record<string, string> = {};
  const tenants: SourceFile[] = [];
  for (const [ns, names] of [...tenantCustom].sort(([a], [b]) => (a < b ? -1 : 1))) {
    tenantEntrypoints[ns] = tenantEntrypoint(ns);
    tenants.push(tenantModule(ns, names));
  }
  const modules = [...libraryModules(), ...custom, ...tenants];
  const summary = {
    policies: set.policies.length,
    rules,
    intents,
    customModules: custom.length,
    quotas: Object.keys(quotas).length,
  };
  if (diagnostics.length > 0) return { data, modules, diagnostics, summary, tenantEntrypoints };
  const built = buildBundle({
    modules,
    entrypoints: [DECISION_ENTRYPOINT, ...Object.values(tenantEntrypoints)],
    data,
    revision: options.revision ?? '',
    roots: [''],
    metadata: { generator: 'semamesh', policies: summary.policies, rules, intents },
  });
  return {
    bundle: built.bundle,
    wasm: built.wasm,
    data,
    modules,
    diagnostics: built.diagnostics,
    summary,
    tenantEntrypoints,
  };
}
