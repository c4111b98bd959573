// The rule tree (OPA's SetRuleTree + CheckRuleConflicts): rules grouped by their full data path.

import type { Module, Rule, Term } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { newNode, type RuleKind, type RuleNode } from './program.js';
import { diagLoc } from './terms.js';

/** The rule's full head ref as terms: package path operands followed by the head ref. */
export function fullHeadRef(mod: Module, r: Rule): Term[] {
  const pkg = mod.package.path.slice(1);
  const [first, ...rest] = r.head.ref;
  const name: Term = first?.type === 'var' ? { type: 'string', value: first.value, loc: first.loc } : first;
  return [...pkg, name ?? { type: 'string', value: r.head.name }, ...rest];
}

function kindOf(r: Rule, ref: Term[]): { kind: RuleKind; prefix: number; setLeaf?: boolean } {
  if (r.head.args) return { kind: 'function', prefix: ref.length };
  const firstDyn = ref.findIndex((t) => t.type !== 'string');
  if (r.head.contains) {
    if (firstDyn < 0) return { kind: 'set', prefix: ref.length };
    return { kind: 'object', prefix: firstDyn, setLeaf: true };
  }
  if (firstDyn < 0) return { kind: 'complete', prefix: ref.length };
  return { kind: 'object', prefix: firstDyn };
}

const pathString = (p: string[]): string => p.join('.');

/** Builds the rule tree and reports kind conflicts, multiple defaults and arity mismatches. */
export function buildRuleTree(modules: Module[], bag: DiagnosticBag): RuleNode {
  const root = newNode(['data']);
  const reported = new Set<string>();
  const conflict = (node: RuleNode, r: Rule): void => {
    const key = pathString(node.path);
    if (reported.has(key)) return;
    reported.add(key);
    bag.add('rego_type_error', `conflicting rules ${key} found`, diagLoc(r.loc ?? r.head.loc));
  };
  for (const mod of modules) {
    let pkgNode = root;
    for (const t of mod.package.path.slice(1)) {
      if (t.type !== 'string') break;
      let child = pkgNode.children.get(t.value);
      if (!child) {
        child = newNode([...pkgNode.path, t.value]);
        pkgNode.children.set(t.value, child);
      }
      pkgNode = child;
    }
    pkgNode.pkg = true;
    for (const r of mod.rules) {
      const first = r.head.ref[0];
      if (first && first.type !== 'var' && first.type !== 'string') {
        bag.add('rego_compile_error', 'rule head must be a valid reference', diagLoc(r.head.loc ?? r.loc));
        continue;
      }
      const ref = fullHeadRef(mod, r);
      const { kind, prefix, setLeaf } = kindOf(r, ref);
      if (ref.slice(0, prefix).some((t) => t.type !== 'string')) {
        bag.add('rego_compile_error', 'rule head must be a valid reference', diagLoc(r.loc));
        continue;
      }
      let node = root;
      for (const t of ref.slice(0, prefix)) {
        const seg = (t as { value: string }).value;
        let child = node.children.get(seg);
        if (!child) {
          child = newNode([...node.path, seg]);
          node.children.set(seg, child);
        }
        node = child;
      }
      if (node.kind && node.kind !== kind) {
        conflict(node, r);
        continue;
      }
      const arity = r.head.args?.length;
      if (kind === 'function' && node.arity !== undefined && node.arity !== arity) {
        conflict(node, r);
        continue;
      }
      node.kind = kind;
      if (arity !== undefined) node.arity = arity;
      const entry = { rule: r, module: mod, keys: ref.slice(prefix), setLeaf };
      if (r.default) {
        if (node.defaultRule) {
          bag.add('rego_type_error', `multiple default rules ${pathString(node.path)} found`, diagLoc(r.loc));
          continue;
        }
        node.defaultRule = entry;
      } else node.rules.push(entry);
    }
  }
  checkNesting(root, bag);
  return root;
}

/** Complete rules, sets and functions are leaves: nothing may be defined below them. */
function checkNesting(node: RuleNode, bag: DiagnosticBag): void {
  if (node.kind && node.kind !== 'object' && node.children.size > 0) {
    const below = [...node.children.values()].map((c) => pathString(c.path));
    const r = node.rules[0] ?? node.defaultRule;
    bag.add(
      'rego_type_error',
      `rule ${pathString(node.path)} conflicts with [${below.join(' ')}]`,
      diagLoc(r?.rule.loc),
    );
    return;
  }
  for (const c of node.children.values()) checkNesting(c, bag);
}
