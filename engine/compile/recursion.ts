// Recursion detection (OPA's CheckRecursion) over the rule and function dependency graph.
import type { Term } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { type RuleNode, ruleNodes } from './program.js';
import { diagLoc, isDataRef, walkBody, walkTerm } from './terms.js';

/**
 * The rule nodes a data ref can read: string segments select one child, other segments match
 * every child (like OPA's GetRulesDynamic); a ref ending at a prefix reads every rule below it.
 */
export function nodesForRef(root: RuleNode, ref: Term[], out = new Set<RuleNode>()): RuleNode[] {
  const walk = (node: RuleNode, i: number): void => {
    if (node.kind) out.add(node);
    if (node.kind && node.kind !== 'object') return;
    if (i >= ref.length) {
      for (const n of ruleNodes(node)) out.add(n);
      return;
    }
    const seg = ref[i];
    if (seg.type === 'string') {
      const child = node.children.get(seg.value);
      if (child) walk(child, i + 1);
      return;
    }
    // Rule-tree keys are strings: other scalars (data[2]) match no rule.
    if (seg.type === 'number' || seg.type === 'boolean' || seg.type === 'null') return;
    for (const child of node.children.values()) walk(child, i + 1);
  };
  walk(root, 1);
  return [...out];
}

/** Direct dependencies of each rule node. */
export function dependencyGraph(root: RuleNode): Map<RuleNode, Set<RuleNode>> {
  const graph = new Map<RuleNode, Set<RuleNode>>();
  for (const node of ruleNodes(root)) {
    const deps = new Set<RuleNode>();
    const onTerm = (t: Term): void => {
      if (isDataRef(t)) for (const n of nodesForRef(root, t.value)) deps.add(n);
    };
    const entries = node.defaultRule ? [...node.rules, node.defaultRule] : node.rules;
    for (const { rule } of entries) {
      for (let r: typeof rule | undefined = rule; r; r = r.else) {
        walkBody(r.body, onTerm);
        for (const t of [...(r.head.args ?? []), r.head.key, r.head.value, ...r.head.ref])
          if (t) walkTerm(t, onTerm);
      }
    }
    graph.set(node, deps);
  }
  return graph;
}

const name = (n: RuleNode): string => n.path.join('.');

/** Reports `rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p` once per rule on a cycle. */
export function checkRecursion(root: RuleNode, bag: DiagnosticBag): Map<RuleNode, Set<RuleNode>> {
  const graph = dependencyGraph(root);
  const reported = new Set<RuleNode>();
  for (const start of graph.keys()) {
    if (reported.has(start)) continue;
    const path = findCycle(graph, start);
    if (!path) continue;
    reported.add(start);
    const r = start.rules[0] ?? start.defaultRule;
    bag.add(
      'rego_recursion_error',
      `rule ${name(start)} is recursive: ${path.map(name).join(' -> ')}`,
      diagLoc(r?.rule.loc ?? r?.rule.head.loc),
    );
  }
  return graph;
}

/** A path start -> ... -> start, if one exists (breadth first, so the shortest). */
function findCycle(graph: Map<RuleNode, Set<RuleNode>>, start: RuleNode): RuleNode[] | undefined {
  const prev = new Map<RuleNode, RuleNode>();
  const queue: RuleNode[] = [start];
  const seen = new Set<RuleNode>();
  while (queue.length) {
    const n = queue.shift()!;
    for (const d of graph.get(n) ?? []) {
      if (d === start) {
        const path = [start];
        for (let c: RuleNode | undefined = n; c && c !== start; c = prev.get(c)) path.splice(1, 0, c);
        path.push(start);
        return path;
      }
      if (seen.has(d)) continue;
      seen.add(d);
      prev.set(d, n);
      queue.push(d);
    }
  }
  return undefined;
}
