// `with` modifiers: input/data replacement through With statements, rule replacement by shadowing
// in a new generation of rule functions, and function/builtin replacement (mocking).
import { lookupNode } from '../compile/program.js';
import { termVars } from '../compile/terms.js';
import { resolveCallee } from '../compile/typecheck.js';
import type { Expr, Term } from '../syntax/ast.js';
import { DATA, INPUT, type Local, local, type Operand, type Stmt } from './ir.js';
import { planExprNoWith } from './plan-exprs.js';
import { planTerm } from './plan-terms.js';
import type { Cont, Planner } from './planner.js';

interface DocTarget {
  local: Local;
  path: string[];
  value: Term;
}

/** Whether any rule sits at, above or below `path` (strings after 'data'). */
function overlapsRules(p: Planner, path: string[]): boolean {
  let node = p.program.root;
  for (const seg of path) {
    if (node.kind) return true;
    const c = node.children.get(seg);
    if (!c) return false;
    node = c;
  }
  const any = (n: typeof node): boolean => !!n.kind || [...n.children.values()].some(any);
  return any(node);
}

export function planWith(p: Planner, e: Expr, k: Cont): void {
  const docs: DocTarget[] = [];
  const mocks = new Map<string, Term>();
  const shadow: string[][] = [];
  for (const w of e.with) {
    const t = w.target.value;
    const head = t[0];
    if (head.type === 'var' && (head.value === 'input' || head.value === 'data')) {
      const path: string[] = [];
      for (const s of t.slice(1)) {
        if (s.type !== 'string') {
          p.bag.add('rego_compile_error', 'with keyword target must be a static path');
          p.fail();
          return;
        }
        path.push(s.value);
      }
      if (head.value === 'data') {
        const node = lookupNode(p.program.root, path);
        if (node?.kind === 'function') {
          mocks.set(['data', ...path].join('.'), w.value);
          continue;
        }
        if (overlapsRules(p, path)) shadow.push(['data', ...path]);
      }
      docs.push({ local: head.value === 'input' ? INPUT : DATA, path, value: w.value });
      continue;
    }
    const callee = resolveCallee(p.program.root, w.target);
    const name =
      callee.kind === 'builtin'
        ? callee.name
        : t.map((x) => String((x as { value: unknown }).value)).join('.');
    mocks.set(name, w.value);
  }
  // Replacement values that use local vars are computed here and passed to every function of
  // the new generation as extra parameters ("slots").
  const slotted: [string, Term][] = [];
  for (const [name, value] of mocks) {
    if (value.type === 'var' && isFunctionRef(p, value)) {
      mocks.set(name, { type: 'ref', value: [value], loc: value.loc });
      continue;
    }
    if (isFunctionRef(p, value) || !usesLocals(value)) continue;
    const slot = p.newSlot();
    slotted.push([slot, value]);
    mocks.set(name, { type: 'var', value: slot });
  }
  const values: Operand[] = [];
  const step = (i: number): void => {
    if (i < docs.length) {
      planTerm(p, docs[i].value, (op) => {
        values[i] = op;
        step(i + 1);
      });
      return;
    }
    if (i - docs.length < slotted.length) {
      const [slot, value] = slotted[i - docs.length];
      planTerm(p, value, (op) => {
        p.frame.vars.set(slot, p.toLocal(op));
        step(i + 1);
      });
      return;
    }
    applyWith(
      p,
      e,
      docs,
      values,
      shadow,
      mocks,
      slotted.map(([s]) => s),
      k,
    );
  };
  step(0);
}

function isFunctionRef(p: Planner, t: Term): boolean {
  if (t.type !== 'ref' && t.type !== 'var') return false;
  return resolveCallee(p.program.root, t.type === 'var' ? { type: 'ref', value: [t] } : t).kind !== 'unknown';
}

function usesLocals(t: Term): boolean {
  return termVars(t, new Set()).size > 0;
}

/**
 * Runs the expression inside With statements. When it has at most one solution (no iteration on
 * the way), its bindings are locals that outlive the With block, so the rest of the body simply
 * follows it. Otherwise the rest of the body is planned inside, under With statements that put
 * the original documents back.
 */
function applyWith(
  p: Planner,
  e: Expr,
  docs: DocTarget[],
  values: Operand[],
  shadow: string[][],
  mocks: Map<string, Term>,
  slots: string[],
  k: Cont,
): void {
  const prevGen = p.gen;
  const newGen = shadow.length > 0 || mocks.size > 0 ? p.newGeneration(shadow, mocks, slots) : prevGen;
  const inner = (cont: Cont): void => {
    p.gen = newGen;
    try {
      planExprNoWith(p, { ...e, with: [] }, () => {
        p.gen = prevGen;
        try {
          cont();
        } finally {
          p.gen = newGen;
        }
      });
    } finally {
      p.gen = prevGen;
    }
  };
  const nest = (i: number, body: () => void): void => {
    if (i === docs.length) {
      body();
      return;
    }
    const d = docs[i];
    const block = p.into({ stmts: [] }, () => nest(i + 1, body));
    p.emit({ kind: 'With', local: d.local, path: d.path.map((s) => p.strIndex(s)), value: values[i], block });
  };

  const flag = p.newLocal();
  const marker: Stmt = { kind: 'AssignVar', source: { type: 'bool', value: true }, target: flag };
  const mark = p.cur.length;
  const snap = p.frame.vars.snapshot();
  p.emit({ kind: 'ResetLocal', target: flag });
  let innermost: Stmt[] = p.cur;
  nest(0, () => {
    innermost = p.cur;
    inner(() => {
      // A var bound to the replaced document itself (`x := input with input as v`) must keep the
      // replacement after the With statement puts the original back: copy it out.
      for (const v of p.frame.vars.names()) {
        const l = p.frame.vars.get(v);
        if (snapHas(snap, v) || (l !== INPUT && l !== DATA) || l === undefined) continue;
        const copy = p.newLocal();
        p.emit({ kind: 'AssignVar', source: local(l), target: copy });
        p.frame.vars.set(v, copy);
      }
      p.emit(marker);
    });
  });
  if (innermost.includes(marker)) {
    p.emit({ kind: 'IsDefined', source: flag });
    k();
    return;
  }
  // The expression iterates: collect each solution's new bindings inside the With statements,
  // then run the rest of the body once per collected solution, outside them.
  p.cur.splice(mark);
  p.frame.vars.restore(snap);
  const solutions = p.newLocal();
  p.emit({ kind: 'MakeArray', capacity: 0, target: solutions });
  let outputs: string[] | undefined;
  nest(0, () =>
    inner(() => {
      outputs ??= p.frame.vars.names().filter((v) => !snapHas(snap, v));
      const row = p.newLocal();
      p.emit({ kind: 'MakeArray', capacity: outputs.length, target: row });
      for (const v of outputs) {
        const l = p.frame.vars.get(v);
        if (l !== undefined) p.emit({ kind: 'ArrayAppend', value: local(l), array: row });
      }
      p.emit({ kind: 'ArrayAppend', value: local(row), array: solutions });
    }),
  );
  p.frame.vars.restore(snap);
  const key = p.newLocal();
  const row = p.newLocal();
  const block = p.into({ stmts: [] }, () => {
    (outputs ?? []).forEach((v, i) => {
      const idx = p.newLocal();
      p.emit({ kind: 'MakeNumberInt', value: BigInt(i), target: idx });
      const l = p.newLocal();
      p.emit({ kind: 'Dot', source: local(row), key: local(idx), target: l });
      p.frame.vars.set(v, l);
    });
    k();
  });
  p.emit({ kind: 'Scan', source: solutions, key, value: row, block });
}

function snapHas(snap: Map<string, Local>[], v: string): boolean {
  return snap.some((f) => f.has(v));
}
