// Unification (`=` and `:=`): binds unbound variables by structure and compares everything else.
import type { Term } from '../syntax/ast.js';
import { type Local, local, type Operand } from './ir.js';
import { hasUnbound, planTerm } from './plan-terms.js';
import type { Cont, Planner } from './planner.js';

/** Unifies two terms; `k` runs once per solution. */
export function unify(p: Planner, a: Term, b: Term, k: Cont): void {
  const ua = hasUnbound(p, a);
  const ub = hasUnbound(p, b);
  if (ua && ub) {
    if (a.type === 'array' && b.type === 'array') {
      if (a.value.length !== b.value.length) {
        p.fail();
        return;
      }
      unifyPairs(p, a.value, b.value, 0, k);
      return;
    }
    if (a.type === 'object' && b.type === 'object') {
      const pairs = matchObjects(a, b);
      if (!pairs) {
        p.fail();
        return;
      }
      unifyPairs(
        p,
        pairs.map((x) => x[0]),
        pairs.map((x) => x[1]),
        0,
        k,
      );
      return;
    }
    // One side can still be planned once the other's bound parts are known; try element-wise order.
    if (a.type === 'var' || b.type === 'var') {
      p.fail();
      return;
    }
    p.fail();
    return;
  }
  if (ua) {
    planTerm(p, b, (op) => unifyOp(p, a, op, k));
    return;
  }
  planTerm(p, a, (op) => unifyOp(p, b, op, k));
  return;
}

function unifyPairs(p: Planner, as: Term[], bs: Term[], i: number, k: Cont): void {
  if (i === as.length) {
    k();
    return;
  }
  // Prefer pairs where one side is fully known, so later pairs see the bindings.
  let j = i;
  for (let n = i; n < as.length; n++) {
    if (!hasUnbound(p, as[n]) || !hasUnbound(p, bs[n])) {
      j = n;
      break;
    }
  }
  const as2 = [...as];
  const bs2 = [...bs];
  [as2[i], as2[j]] = [as2[j], as2[i]];
  [bs2[i], bs2[j]] = [bs2[j], bs2[i]];
  unify(p, as2[i], bs2[i], () => unifyPairs(p, as2, bs2, i + 1, k));
}

function matchObjects(
  a: Term & { type: 'object' },
  b: Term & { type: 'object' },
): [Term, Term][] | undefined {
  if (a.value.length !== b.value.length) return undefined;
  const out: [Term, Term][] = [];
  for (const [ka, va] of a.value) {
    const m = b.value.find(([kb]) => JSON.stringify(stripLoc(kb)) === JSON.stringify(stripLoc(ka)));
    if (!m) return undefined;
    out.push([va, m[1]]);
  }
  return out;
}

function stripLoc(t: Term): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === 'loc' ? undefined : v)));
}

function unifyOp(p: Planner, t: Term, op: Operand, k: Cont): void {
  if (t.type === 'var' && p.frame.vars.get(t.value) === undefined) {
    p.frame.vars.set(t.value, p.toLocal(op));
    k();
    return;
  }
  unifyLocal(p, t, p.toLocal(op), k);
}

/** Unifies a term with the value in `l`: binds unbound vars, destructures patterns, compares the rest. */
export function unifyLocal(p: Planner, t: Term, l: Local, k: Cont): void {
  if (t.type === 'var' && p.frame.vars.get(t.value) === undefined) {
    p.frame.vars.set(t.value, l);
    k();
    return;
  }
  if (!hasUnbound(p, t)) {
    planTerm(p, t, (op) => {
      p.emit({ kind: 'Equal', a: op, b: local(l) });
      k();
    });
    return;
  }
  if (t.type === 'array') {
    p.emit({ kind: 'IsArray', source: local(l) });
    const n = p.newLocal();
    p.emit({ kind: 'Len', source: local(l), target: n });
    const want = p.newLocal();
    p.emit({ kind: 'MakeNumberInt', value: BigInt(t.value.length), target: want });
    p.emit({ kind: 'Equal', a: local(n), b: local(want) });
    const elems = t.value.map((_, i) => {
      const idx = p.newLocal();
      p.emit({ kind: 'MakeNumberInt', value: BigInt(i), target: idx });
      const e = p.newLocal();
      p.emit({ kind: 'Dot', source: local(l), key: local(idx), target: e });
      return e;
    });
    unifyLocals(p, t.value, elems, k);
    return;
  }
  if (t.type === 'object') {
    p.emit({ kind: 'IsObject', source: local(l) });
    const n = p.newLocal();
    p.emit({ kind: 'Len', source: local(l), target: n });
    const want = p.newLocal();
    p.emit({ kind: 'MakeNumberInt', value: BigInt(t.value.length), target: want });
    p.emit({ kind: 'Equal', a: local(n), b: local(want) });
    const vals: Local[] = [];
    const keys = t.value.map(([key]) => key);
    const step = (i: number): void => {
      if (i === keys.length) {
        unifyLocals(
          p,
          t.value.map(([, v]) => v),
          vals,
          k,
        );
        return;
      }
      planTerm(p, keys[i], (key) => {
        const e = p.newLocal();
        p.emit({ kind: 'Dot', source: local(l), key, target: e });
        vals[i] = e;
        step(i + 1);
      });
    };
    step(0);
    return;
  }
  if (t.type === 'set') {
    // Sets cannot be destructured; only equality with a fully known set is meaningful.
    p.fail();
    return;
  }
  planTerm(p, t, (op) => {
    p.emit({ kind: 'Equal', a: op, b: local(l) });
    k();
  });
}

function unifyLocals(p: Planner, ts: Term[], ls: Local[], k: Cont): void {
  const step = (i: number): void => {
    if (i === ts.length) {
      k();
      return;
    }
    unifyLocal(p, ts[i], ls[i], () => step(i + 1));
  };
  step(0);
}
