// The compiler's output handed to the planner: rewritten modules, the rule tree and the query.
import type { Body, Module, Rule, Term } from '../syntax/ast.js';

/** What the rules at one rule-tree node produce. */
export type RuleKind = 'complete' | 'set' | 'object' | 'function';

/** One rule (with its else chain) placed at a rule-tree node. */
export interface RuleEntry {
  rule: Rule;
  module: Module;
  /** Head ref segments after the node's path (object-kind rules): the keys to insert under. */
  keys: Term[];
  /** `p[x].q contains y`: the value under `keys` is a set that collects `head.key`. */
  setLeaf?: boolean;
}

/**
 * A node of the rule tree, keyed by data path. A node may hold rules (`kind` set) and children
 * (prefixes of other rules, or ref-head rules nested below an object-kind rule).
 */
export interface RuleNode {
  /** Full path from the root, e.g. ['data', 'pkg', 'p']. */
  path: string[];
  children: Map<string, RuleNode>;
  kind?: RuleKind;
  rules: RuleEntry[];
  defaultRule?: RuleEntry;
  /** True when a package is declared at this path (an empty package is still a document: {}). */
  pkg?: boolean;
  /** Declared argument count for functions. */
  arity?: number;
}

export interface CompiledProgram {
  modules: Module[];
  root: RuleNode;
  /** The rewritten, reordered query (query mode). */
  query?: Body;
  /** Query variables the result rows are keyed by: rewritten name → user-visible name. */
  queryVars: [string, string][];
  /** Generated local names → the user's names, for messages. */
  rewrittenVars: Map<string, string>;
}

export function newNode(path: string[]): RuleNode {
  return { path, children: new Map(), rules: [] };
}

/** The node at `path` (strings after `data`), or undefined. */
export function lookupNode(root: RuleNode, path: string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(seg);
    if (!node) return undefined;
  }
  return node;
}

/** Whether the node or any descendant holds rules. */
export function hasRules(node: RuleNode): boolean {
  if (node.kind) return true;
  for (const c of node.children.values()) if (hasRules(c)) return true;
  return false;
}

/** Every node holding rules, depth first. */
export function ruleNodes(node: RuleNode, out: RuleNode[] = []): RuleNode[] {
  if (node.kind) out.push(node);
  for (const c of node.children.values()) ruleNodes(c, out);
  return out;
}
