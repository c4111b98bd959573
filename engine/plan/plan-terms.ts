// Planning of terms into operands: scalars, composites, comprehensions and refs into locals.
import type { Term } from '../syntax/ast.js';
import { type Local, local, type Operand } from './ir.js';
import { planBody } from './plan-exprs.js';
import { planDataRef } from './plan-refs.js';
import { unifyLocal } from './plan-unify.js';
import { PlanInternalError, type Planner } from './planner.js';

export type OpCont = (op: Operand) => void;

/** Whether a term contains a variable that is not yet bound (outside closures and refs). */
export function hasUnbound(p: Planner, t: Term): boolean {
  switch (t.type) {
    case 'var':
      return p.frame.vars.get(t.value) === undefined;
    case 'array':
    case 'set':
      return t.value.some((x) => hasUnbound(p, x));
    case 'object':
      return t.value.some(([k, v]) => hasUnbound(p, k) || hasUnbound(p, v));
    default:
      return false;
  }
}

const SAFE_INT = /^-?\d{1,15}$/;

export function planNumber(p: Planner, text: string): Local {
  const target = p.newLocal();
  if (SAFE_INT.test(text)) p.emit({ kind: 'MakeNumberInt', value: BigInt(text), target });
  else p.emit({ kind: 'MakeNumberRef', index: p.strIndex(text), target });
  return target;
}

/**
 * Plans a list of terms, then calls `k` with all operands (in the original positions). Terms that
 * still have unbound vars go last: refs planned before them bind those vars by iteration.
 */
export function planTerms(p: Planner, ts: Term[], k: (ops: Operand[]) => void): void {
  const ops: Operand[] = [];
  const order = ts.map((_, i) => i);
  order.sort((a, b) => Number(hasUnbound(p, ts[a])) - Number(hasUnbound(p, ts[b])));
  const step = (n: number): void => {
    if (n === order.length) {
      k(ops);
      return;
    }
    const i = order[n];
    planTerm(p, ts[i], (op) => {
      ops[i] = op;
      step(n + 1);
    });
  };
  step(0);
}

/** Plans `t` and calls `k` with its value; refs with unbound vars iterate, so `k` may run per solution. */
export function planTerm(p: Planner, t: Term, k: OpCont): void {
  switch (t.type) {
    case 'null': {
      const target = p.newLocal();
      p.emit({ kind: 'MakeNull', target });
      k(local(target));
      return;
    }
    case 'boolean':
      k({ type: 'bool', value: t.value });
      return;
    case 'number':
      k(local(planNumber(p, t.value)));
      return;
    case 'string':
      k(p.str(t.value));
      return;
    case 'var': {
      const l = p.frame.vars.get(t.value);
      if (l === undefined) throw new PlanInternalError(`unbound var ${t.value} reached the planner`);
      k(local(l));
      return;
    }
    case 'ref':
      planRef(p, t.value, k);
      return;
    case 'array':
      planTerms(p, t.value, (ops) => {
        const target = p.newLocal();
        p.emit({ kind: 'MakeArray', capacity: ops.length, target });
        for (const value of ops) p.emit({ kind: 'ArrayAppend', value, array: target });
        k(local(target));
      });
      return;
    case 'set':
      planTerms(p, t.value, (ops) => {
        const target = p.newLocal();
        p.emit({ kind: 'MakeSet', target });
        for (const value of ops) p.emit({ kind: 'SetAdd', value, set: target });
        k(local(target));
      });
      return;
    case 'object':
      planTerms(p, t.value.flat(), (ops) => {
        const target = p.newLocal();
        p.emit({ kind: 'MakeObject', target });
        for (let i = 0; i < ops.length; i += 2)
          p.emit({ kind: 'ObjectInsert', key: ops[i], value: ops[i + 1], object: target });
        k(local(target));
      });
      return;
    case 'arraycomprehension':
    case 'setcomprehension':
    case 'objectcomprehension':
      k(local(planComprehension(p, t)));
      return;
    case 'call':
      throw new PlanInternalError('call term survived flattening');
  }
}

function planComprehension(p: Planner, t: Term): Local {
  const target = p.newLocal();
  if (t.type === 'arraycomprehension') p.emit({ kind: 'MakeArray', capacity: 0, target });
  else if (t.type === 'setcomprehension') p.emit({ kind: 'MakeSet', target });
  else p.emit({ kind: 'MakeObject', target });
  p.frame.vars.scoped(() =>
    p.block(() => {
      const base = p.depth;
      if (t.type === 'arraycomprehension')
        planBody(p, t.body, () =>
          planTerm(p, t.term, (value) => {
            p.emit({ kind: 'ArrayAppend', value, array: target });
            // A first-solution closure leaves its block (and every Scan inside it) here.
            if (t.firstOnly) p.emit({ kind: 'Break', index: p.depth - base });
          }),
        );
      else if (t.type === 'setcomprehension')
        planBody(p, t.body, () =>
          planTerm(p, t.term, (value) => p.emit({ kind: 'SetAdd', value, set: target })),
        );
      else if (t.type === 'objectcomprehension')
        planBody(p, t.body, () =>
          planTerm(p, t.key, (key) =>
            planTerm(p, t.value, (value) => p.emit({ kind: 'ObjectInsertOnce', key, value, object: target })),
          ),
        );
    }),
  );
  return target;
}

/** Plans a ref: `data` refs consult the rule tree; other heads are values walked segment by segment. */
export function planRef(p: Planner, ref: Term[], k: OpCont): void {
  const head = ref[0];
  if (head.type === 'var' && head.value === 'data') {
    planDataRef(p, ref, k);
    return;
  }
  if (head.type === 'var' && head.value === 'input') {
    planRefRest(p, 0, ref, 1, k);
    return;
  }
  planTerm(p, head, (op) => planRefRest(p, p.toLocal(op), ref, 1, k));
}

/** Walks `ref[i..]` from the value in `source`: Dot for known keys, Scan for unbound vars. */
export function planRefRest(p: Planner, source: Local, ref: Term[], i: number, k: OpCont): void {
  if (i >= ref.length) {
    k(local(source));
    return;
  }
  const seg = ref[i];
  if (hasUnbound(p, seg)) {
    const key = p.newLocal();
    const value = p.newLocal();
    const block = p.into({ stmts: [] }, () => {
      if (seg.type === 'var') {
        p.frame.vars.set(seg.value, key);
        planRefRest(p, value, ref, i + 1, k);
      } else unifyLocal(p, seg, key, () => planRefRest(p, value, ref, i + 1, k));
    });
    p.emit({ kind: 'Scan', source, key, value, block });
    return;
  }
  planTerm(p, seg, (key) => {
    const target = p.newLocal();
    p.emit({ kind: 'Dot', source: local(source), key, target });
    planRefRest(p, target, ref, i + 1, k);
  });
}
