// Rule sets → functions: complete rules and functions (AssignVarOnce, else chains, default),
// partial sets (SetAdd) and partial objects / ref heads (nested ObjectInsertOnce).
import type { RuleEntry, RuleNode } from '../compile/program.js';
import type { Rule, Term } from '../syntax/ast.js';
import { DATA, type Func, INPUT, type Local, local, type Operand } from './ir.js';
import { planBody } from './plan-exprs.js';
import { planTerm, planTerms } from './plan-terms.js';
import { unifyLocal } from './plan-unify.js';
import type { Cont, Planner } from './planner.js';

export function planRuleFunc(p: Planner, node: RuleNode, name: string): Func {
  const params: Local[] = [INPUT, DATA];
  for (let i = 0; i < (node.arity ?? 0); i++) params.push(p.newLocal());
  const args = params.slice(2);
  for (const slot of p.gen.slots) {
    const l = p.newLocal();
    params.push(l);
    p.frame.vars.set(slot, l);
  }
  const ret = p.newLocal();
  switch (node.kind) {
    case 'set':
      p.emit({ kind: 'MakeSet', target: ret });
      for (const entry of node.rules)
        ruleBlock(p, entry.rule, args, () =>
          planTerm(p, entry.rule.head.key!, (value) => p.emit({ kind: 'SetAdd', value, set: ret })),
        );
      break;
    case 'object':
      p.emit({ kind: 'MakeObject', target: ret });
      {
        // Paths of the intermediate objects rules created: anything else found on the way down
        // is another rule's value, and writing into it is a conflict (as in OPA).
        const containers = p.newLocal();
        p.emit({ kind: 'MakeSet', target: containers });
        planObjectRules(p, node, [], { obj: ret, containers });
      }
      break;
    default:
      for (const entry of node.rules) planChain(p, entry.rule, args, ret);
      if (node.defaultRule) {
        const d = node.defaultRule.rule;
        p.block(() => {
          p.emit({ kind: 'IsUndefined', source: ret });
          ruleBlockInline(p, d, args, () =>
            planTerm(p, d.head.value!, (v) => p.emit({ kind: 'AssignVar', source: v, target: ret })),
          );
        });
      }
  }
  p.block(() => p.emit({ kind: 'ReturnLocal', source: ret }));
  const blocks = [{ stmts: p.cur }];
  return { name, params, return: ret, blocks, path: name.split('.') };
}

/** Plans one rule's body (after binding function args) in its own block, with its own var frame. */
function ruleBlock(p: Planner, r: Rule, args: Local[], k: Cont): void {
  p.block(() => ruleBlockInline(p, r, args, k));
}

function ruleBlockInline(p: Planner, r: Rule, args: Local[], k: Cont): void {
  // Coverage: a rule without a body (`p := v`) counts its value as the expression that ran.
  const first = r.body[0];
  if (first?.generated && !Array.isArray(first.terms) && first.terms.type === 'boolean' && r.head.value?.loc)
    p.cover(r.head.value.loc);
  p.frame.vars.scoped(() => {
    const patterns = r.head.args ?? [];
    const bindArgs = (i: number): void => {
      if (i >= patterns.length || i >= args.length) {
        planBody(p, r.body, () => {
          // Coverage: a rule's head counts as covered when its body succeeds.
          if (r.head.loc) p.cover(r.head.loc);
          k();
        });
        return;
      }
      unifyLocal(p, patterns[i], args[i], () => bindArgs(i + 1));
    };
    bindArgs(0);
  });
}

/**
 * A complete rule or function with its else chain: the first link with a solution decides the
 * chain's value; chains of different rules must agree (AssignVarOnce raises the conflict).
 */
function planChain(p: Planner, first: Rule, args: Local[], ret: Local): void {
  const chain = p.newLocal();
  let n = 0;
  for (let r: Rule | undefined = first; r; r = r.else) {
    const link = r;
    const isFirst = n++ === 0;
    p.block(() => {
      if (!isFirst) p.emit({ kind: 'IsUndefined', source: chain });
      ruleBlockInline(p, link, args, () =>
        planTerm(p, link.head.value!, (v) =>
          p.emit({
            kind: 'AssignVarOnce',
            source: v,
            target: chain,
            loc: p.irLoc(link.head.loc ?? link.loc),
          }),
        ),
      );
    });
  }
  p.block(() =>
    p.emit({ kind: 'AssignVarOnce', source: local(chain), target: ret, loc: p.irLoc(first.loc) }),
  );
}

/**
 * An object node's function builds the whole document below it: its own rules (`p[k] := v`) and
 * every rule nested below (`p.a.b := 1`, `p.q contains x`), so overlaps meet in one object and
 * conflicting values raise the insert conflict.
 */
function planObjectRules(p: Planner, node: RuleNode, prefix: string[], ret: Target): void {
  const fixed = (keys: Term[]): Term[] => [
    ...prefix.map((s): Term => ({ type: 'string', value: s })),
    ...keys,
  ];
  if (prefix.length === 0 || node.kind === 'object') {
    for (const entry of node.rules)
      ruleBlock(p, entry.rule, [], () =>
        planTerms(p, fixed(entry.keys), (keys) => insertNested(p, entry, ret, keys)),
      );
  } else if (node.kind === 'set') {
    for (const entry of node.rules) {
      const asLeaf: RuleEntry = { ...entry, keys: [], setLeaf: true };
      ruleBlock(p, entry.rule, [], () =>
        planTerms(p, fixed([]), (keys) => insertNested(p, asLeaf, ret, keys)),
      );
    }
  } else if (node.kind === 'complete') {
    const value = p.newLocal();
    for (const entry of node.rules) planChain(p, entry.rule, [], value);
    if (node.defaultRule) {
      const d = node.defaultRule.rule;
      p.block(() => {
        p.emit({ kind: 'IsUndefined', source: value });
        ruleBlockInline(p, d, [], () =>
          planTerm(p, d.head.value!, (v) => p.emit({ kind: 'AssignVar', source: v, target: value })),
        );
      });
    }
    const entry: RuleEntry = node.rules[0] ?? node.defaultRule!;
    const valueTerm: Term = { type: 'var', value: '$value' };
    p.block(() =>
      p.frame.vars.scoped(() => {
        p.frame.vars.set('$value', value);
        const leaf: RuleEntry = {
          ...entry,
          rule: { ...entry.rule, head: { ...entry.rule.head, value: valueTerm } },
        };
        planTerms(p, fixed([]), (keys) => insertNested(p, leaf, ret, keys));
      }),
    );
  }
  for (const [key, child] of node.children) {
    if (child.kind === 'function') continue;
    planObjectRules(p, child, [...prefix, key], ret);
  }
}

/** The object a rule set builds and the set of container paths created in it. */
interface Target {
  obj: Local;
  containers: Local;
}

/** Inserts the rule's value under its key path, creating intermediate objects as needed. */
function insertNested(p: Planner, entry: RuleEntry, dest: Target, keys: Operand[]): void {
  const obj = dest.obj;
  const leaf = entry.setLeaf ? entry.rule.head.key : entry.rule.head.value;
  planTerm(p, leaf as Term, (v) => {
    let target = obj;
    const containers = entry.setLeaf ? keys.length : keys.length - 1;
    for (let i = 0; i < containers; i++) {
      const next = p.newLocal();
      const makeSet = entry.setLeaf && i === keys.length - 1;
      const parent = target;
      p.emit({ kind: 'ResetLocal', target: next });
      p.block(() => p.emit({ kind: 'Dot', source: local(parent), key: keys[i], target: next }));
      const path = p.newLocal();
      p.emit({ kind: 'MakeArray', capacity: i + 1, target: path });
      for (let j = 0; j <= i; j++) p.emit({ kind: 'ArrayAppend', value: keys[j], array: path });
      // Something is there that no rule created as a container: another rule's value. Writing
      // into it is a conflict (as in OPA), raised by inserting a fresh container over it.
      p.block(() => {
        p.emit({ kind: 'IsDefined', source: next });
        const found = p.newLocal();
        p.emit({
          kind: 'Not',
          block: {
            stmts: [{ kind: 'Dot', source: local(dest.containers), key: local(path), target: found }],
          },
        });
        const fresh = p.newLocal();
        p.emit(makeSet ? { kind: 'MakeSet', target: fresh } : { kind: 'MakeObject', target: fresh });
        p.emit({
          kind: 'ObjectInsertOnce',
          key: keys[i],
          value: local(fresh),
          object: parent,
          loc: p.irLoc(entry.rule.loc),
        });
      });
      p.block(() => {
        p.emit({ kind: 'IsUndefined', source: next });
        p.emit(makeSet ? { kind: 'MakeSet', target: next } : { kind: 'MakeObject', target: next });
        p.emit({ kind: 'ObjectInsert', key: keys[i], value: local(next), object: parent });
        p.emit({ kind: 'SetAdd', value: local(path), set: dest.containers });
      });
      target = next;
    }
    if (entry.setLeaf) {
      p.emit({ kind: 'SetAdd', value: v, set: target });
      return;
    }
    p.emit({
      kind: 'ObjectInsertOnce',
      key: keys[keys.length - 1],
      value: v,
      object: target,
      loc: p.irLoc(entry.rule.head.loc ?? entry.rule.loc),
    });
  });
}
