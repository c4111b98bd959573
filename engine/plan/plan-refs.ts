// Refs into `data`: base documents (from setData) merged with virtual documents (rules), walking
// the rule tree as far as the ref's static prefix allows.
import type { RuleNode } from '../compile/program.js';
import { isScalar } from '../compile/terms.js';
import type { Term } from '../syntax/ast.js';
import { DATA, type Local, local } from './ir.js';
import { type OpCont, planRefRest, planTerm } from './plan-terms.js';
import type { Planner } from './planner.js';

/** Whether a node or anything below it holds rules that are not shadowed by a `with`. */
function live(p: Planner, node: RuleNode): boolean {
  if (p.shadowed(node.path)) return false;
  if (node.kind || node.pkg) return true;
  for (const c of node.children.values()) if (live(p, c)) return true;
  return false;
}

export function planDataRef(p: Planner, ref: Term[], k: OpCont): void {
  planDataFrom(p, p.program.root, ref, 1, k);
}

/** Plans `ref[i..]` below rule-tree node `node`. */
function planDataFrom(p: Planner, node: RuleNode, ref: Term[], i: number, k: OpCont): void {
  if (!live(p, node)) {
    planBaseRest(p, baseValue(p, node.path), ref, i, k);
    return;
  }
  if (node.kind === 'function') {
    // A function is not a value: referring to one without calling it is undefined.
    p.fail();
    return;
  }
  if (node.kind) {
    planRefRest(p, p.callRule(node), ref, i, k);
    return;
  }
  if (i >= ref.length) {
    k(local(nodeValue(p, node)));
    return;
  }
  const seg = ref[i];
  if (seg.type === 'string') {
    const child = node.children.get(seg.value);
    if (child) {
      planDataFrom(p, child, ref, i + 1, k);
      return;
    }
    if (node.kind) {
      planRefRest(p, nodeValue(p, node), ref, i, k);
      return;
    }
    planBaseRest(p, baseValue(p, node.path), ref, i, k);
    return;
  }
  if (node.kind || (seg.type !== 'var' && !isScalar(seg))) {
    planRefRest(p, nodeValue(p, node), ref, i, k);
    return;
  }
  const children = [...node.children].filter(([, c]) => live(p, c));
  if (seg.type === 'var' && p.frame.vars.get(seg.value) === undefined) {
    // Iteration over a prefix: one alternative per rule-tree child, then the base document's
    // other keys; their solutions are collected so the rest of the body is planned once.
    const branches = children.map(([key, child]) => (yieldValue: OpCont) => {
      const l = p.newLocal();
      p.emit({ kind: 'AssignVar', source: p.str(key), target: l });
      p.frame.vars.set(seg.value, l);
      planDataFrom(p, child, ref, i + 1, yieldValue);
    });
    branches.push((yieldValue) => {
      const base = baseValue(p, node.path);
      const key = p.newLocal();
      const value = p.newLocal();
      const block = p.into({ stmts: [] }, () => {
        for (const [c] of children) p.emit({ kind: 'NotEqual', a: local(key), b: p.str(c) });
        p.frame.vars.set(seg.value, key);
        planRefRest(p, value, ref, i + 1, yieldValue);
      });
      p.emit({ kind: 'Scan', source: base, key, value, block });
    });
    p.alternatives(branches, k);
    return;
  }
  // A known key: dispatch statically on the rule-tree children, else read the base document.
  planTerm(p, seg, (op) => {
    const branches = children.map(([key, child]) => (yieldValue: OpCont) => {
      p.emit({ kind: 'Equal', a: op, b: p.str(key) });
      planDataFrom(p, child, ref, i + 1, yieldValue);
    });
    branches.push((yieldValue) => {
      for (const [c] of children) p.emit({ kind: 'NotEqual', a: op, b: p.str(c) });
      const base = baseValue(p, node.path);
      if (seg.type === 'number') {
        planBaseRest(p, base, ref, i, yieldValue);
        return;
      }
      const target = p.newLocal();
      p.emit({ kind: 'Dot', source: local(base), key: op, target });
      planRefRest(p, target, ref, i + 1, yieldValue);
    });
    p.alternatives(branches, k);
  });
}

/** The value of the document at `node`: a rule function's result, or the merged extent. */
export function nodeValue(p: Planner, node: RuleNode): Local {
  if (!live(p, node)) return baseValue(p, node.path);
  if (node.kind === 'function') {
    p.fail();
    return p.newLocal();
  }
  if (node.kind) return p.callRule(node);
  return extent(p, node);
}

/**
 * The rest of a ref read from the base document. As OPA's storage paths hold strings, a number
 * written in the ref (`data.x[2]`) indexes an array or finds the object key "2". From the first
 * part that is neither a string nor a number literal on, the ref is read as any other.
 */
function planBaseRest(p: Planner, source: Local, ref: Term[], i: number, k: OpCont): void {
  const seg = ref[i];
  if (seg?.type === 'string') {
    const target = p.newLocal();
    p.emit({ kind: 'Dot', source: local(source), key: p.str(seg.value), target });
    planBaseRest(p, target, ref, i + 1, k);
    return;
  }
  if (seg?.type !== 'number') {
    planRefRest(p, source, ref, i, k);
    return;
  }
  const target = p.newLocal();
  p.emit({ kind: 'ResetLocal', target });
  const byNumber = p.into({ stmts: [] }, () =>
    planTerm(p, seg, (key) => p.emit({ kind: 'Dot', source: local(source), key, target })),
  );
  const byString = p.into({ stmts: [] }, () => {
    p.emit({ kind: 'IsUndefined', source: target });
    p.emit({ kind: 'Dot', source: local(source), key: p.str(seg.value), target });
  });
  p.emit({ kind: 'Block', blocks: [byNumber, byString] });
  p.emit({ kind: 'IsDefined', source: target });
  planBaseRest(p, target, ref, i + 1, k);
}

/** data[path...] from the base document (undefined exits the block). */
function baseValue(p: Planner, path: string[]): Local {
  let source: Local = DATA;
  for (const seg of path.slice(1)) {
    const target = p.newLocal();
    p.emit({ kind: 'Dot', source: local(source), key: p.str(seg), target });
    source = target;
  }
  return source;
}

/**
 * The whole document below a prefix: a fresh object holding the children's values (undefined
 * ones left out) and the base document's other keys. Built by insertion rather than ObjectMerge,
 * so a rule and a base value at the same key never conflict (the rule wins) and the base
 * document is never mutated.
 */
function extent(p: Planner, node: RuleNode): Local {
  const result = p.newLocal();
  p.emit({ kind: 'MakeObject', target: result });
  const children: string[] = [];
  for (const [key, child] of node.children) {
    // Functions are not documents: they never appear in an extent.
    if (child.kind === 'function') continue;
    children.push(key);
    if (!live(p, child)) continue;
    p.block(() => {
      const v = nodeValue(p, child);
      p.emit({ kind: 'ObjectInsert', key: p.str(key), value: local(v), object: result });
    });
  }
  p.block(() => {
    const base = baseValue(p, node.path);
    const key = p.newLocal();
    const value = p.newLocal();
    const block = p.into({ stmts: [] }, () => {
      for (const c of children) {
        if (live(p, node.children.get(c)!)) p.emit({ kind: 'NotEqual', a: local(key), b: p.str(c) });
      }
      p.emit({ kind: 'ObjectInsert', key: local(key), value: local(value), object: result });
    });
    p.emit({ kind: 'Scan', source: base, key, value, block });
  });
  return result;
}
