// Tenant isolation for custom Rego: a namespace's modules may read only their own package, and each
// namespace with custom Rego gets its own decision entrypoint so its failures stay its own.
import type { SourceFile } from '../compiler.js';
import type { Diagnostic } from '../syntax/diagnostics.js';
import type { Module } from '../syntax/index.js';

/** Package path (under `data`) holding every namespace's generated Rego. */
export const TENANT_ROOT = ['semamesh', 'tenants'] as const;

/** The entrypoint a waypoint evaluates for agents of `namespace` when it has custom Rego. */
export function tenantEntrypoint(namespace: string): string {
  return `${TENANT_ROOT.join('/')}/${namespace}/decision`;
}

/**
 * The namespace's decision: the shared violations (cluster policies, the namespace's data policies,
 * quota) plus the violations of this namespace's custom modules, named one by one — never by a
 * variable key, which would make the entrypoint evaluate every tenant's modules.
 */
export function tenantModule(namespace: string, names: readonly string[]): SourceFile {
  const ns = JSON.stringify(namespace);
  const rules = names.map((name) =>
    [
      'custom_violations contains v if {',
      `\tsome custom in data.semamesh.tenants[${ns}].custom[${JSON.stringify(name)}].violations`,
      `\tv := data.semamesh.custom_violation(${JSON.stringify(`${namespace}/${name}`)}, custom)`,
      '}',
    ].join('\n'),
  );
  const source = [
    '# METADATA',
    '# title: Tenant decision',
    `# description: ${JSON.stringify(`Generated for namespace ${namespace}; its custom Rego joins the shared decision here only.`)}`,
    `package semamesh.tenants[${ns}]`,
    '',
    'import rego.v1',
    '',
    ...rules.flatMap((r) => [r, '']),
    'decision := data.semamesh.decide(data.semamesh.violations | custom_violations)',
    '',
  ].join('\n');
  return { file: `tenants/${namespace}.rego`, source };
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/**
 * Every read of `data` outside `own` (the module's package path without `data`) in a namespace's
 * custom module. The check walks the whole AST generically, so a new syntax form that carries a
 * `data` reference is caught too: a bare `data`, a dynamic segment (`data[x]`) or a prefix of the
 * own path are all refused, including in imports and `with` targets.
 */
export function customDataProblems(module: Module, own: readonly string[], file: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const report = (node: Node, what: string) => {
    const loc = node.loc as { row?: number; col?: number } | undefined;
    problems.push({
      code: 'rego_compile_error',
      message: `custom Rego of a namespaced SemaPolicy may read only input and its own package, not ${what} (cluster-wide data needs a SemaClusterPolicy)`,
      location: { file, row: loc?.row ?? 0, col: loc?.col ?? 0 },
    });
  };
  const segment = (t: unknown): string | undefined =>
    isNode(t) && (t.type === 'string' || t.type === 'var') && typeof t.value === 'string'
      ? t.type === 'string'
        ? t.value
        : undefined
      : undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!isNode(node)) return;
    if (node.type === 'var' && node.value === 'data') {
      report(node, 'data as a whole');
      return;
    }
    if (node.type === 'ref' && Array.isArray(node.value)) {
      const [head, ...path] = node.value as unknown[];
      if (isNode(head) && head.type === 'var' && head.value === 'data') {
        const ok = own.every((seg, i) => segment(path[i]) === seg);
        if (!ok) {
          const shown = path.map((p) => segment(p) ?? '<variable>').join('.');
          report(node, `data.${shown}`);
        }
        visit(path);
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'loc' && k !== 'annotations') visit(v);
  };
  visit(module.imports);
  visit(module.rules);
  return problems;
}
