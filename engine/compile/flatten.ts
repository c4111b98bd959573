// Term flattening (OPA's RewriteExprTerms): nested calls and refs in operands are hoisted into
// preceding generated expressions, so every call the planner sees takes simple operands.
import type { Body, Expr, Term, With } from '../syntax/ast.js';
import { refTerm, varTerm } from '../syntax/ast.js';
import { isScalar, type VarGen } from './terms.js';

const EQUALITIES = new Set(['eq', 'equal', 'assign']);

/** `=`, `==` and `:=` operators (their ref operands stay inside a negation). */
function isEquality(op: Term | undefined): boolean {
  return (
    op?.type === 'ref' &&
    op.value.length === 1 &&
    op.value[0].type === 'var' &&
    EQUALITIES.has(op.value[0].value)
  );
}

export class Flattener {
  /** Hoist every ref (rule heads: `q := xs[_]` iterates in the body, not in the head). */
  hoistAllRefs = false;

  constructor(private readonly gen: VarGen) {}

  private extra(out: Expr[], src: Expr, terms: Term[], withs: With[]): void {
    out.push({ terms, negated: false, with: withs, index: src.index, generated: true, loc: src.loc });
  }

  /** Returns a simple version of `t`, pushing hoisted expressions to `out`. */
  private term(t: Term, src: Expr, out: Expr[], hoistRefs = false): Term {
    switch (t.type) {
      case 'call': {
        const args = t.value.slice(1).map((a) => this.term(a, src, out));
        const v = varTerm(this.gen.fresh(), t.loc);
        this.extra(out, src, [t.value[0], ...args, v], src.with);
        // Coverage reports the hoisted call at its own span, as opa does.
        const hoisted = out[out.length - 1];
        if (t.loc) Object.assign(hoisted, { loc: t.loc, covered: true });
        return v;
      }
      case 'ref': {
        let head = t.value[0];
        let prefix: Term[] = [];
        if (head.type === 'ref') {
          // xs[k] where xs is itself a ref (from `some k in data.p`): one longer ref, so data
          // refs still go through the rule tree.
          const inner = this.term(head, src, out);
          if (inner.type === 'ref') [head, ...prefix] = inner.value;
          else head = inner;
        } else if (head.type === 'call') head = this.term(head, src, out, true);
        else if (head.type !== 'var') head = this.term(head, src, out);
        const segs = t.value.slice(1).map((s) => this.term(s, src, out, true));
        const r = refTerm([head, ...prefix, ...segs], t.loc);
        // In rule heads only refs that can iterate or be undefined per var move into the body.
        const hoistHead = this.hoistAllRefs && [...prefix, ...segs].some((s) => !isScalar(s));
        if (!hoistRefs && !hoistHead) return r;
        const v = varTerm(this.gen.fresh(), t.loc);
        this.extra(out, src, [refTerm([varTerm('eq', t.loc)], t.loc), v, r], src.with);
        return v;
      }
      case 'array':
      case 'set':
        return { ...t, value: t.value.map((x) => this.term(x, src, out)) } as Term;
      case 'object':
        return {
          ...t,
          value: t.value.map(([k, v]) => [this.term(k, src, out), this.term(v, src, out)] as [Term, Term]),
        };
      case 'arraycomprehension':
      case 'setcomprehension': {
        const body = this.body(t.body);
        const term = this.term(t.term, src, body);
        return { ...t, term, body };
      }
      case 'objectcomprehension': {
        const body = this.body(t.body);
        const key = this.term(t.key, src, body);
        const value = this.term(t.value, src, body);
        return { ...t, key, value, body };
      }
      default:
        return t;
    }
  }

  private expr(e: Expr, out: Body): void {
    const pre: Expr[] = [];
    for (const w of e.with) w.value = this.term(w.value, { ...e, with: [] }, pre);
    let terms = e.terms;
    if (!Array.isArray(terms) && terms.type === 'call') terms = terms.value;
    if (Array.isArray(terms)) {
      // In a negated call other than an equality, ref operands are evaluated before the negation,
      // as in OPA: `not f(input.missing)` is undefined, while `not input.missing == 1` is true.
      const hoistRefs = e.negated && !isEquality(terms[0]);
      const args = terms.slice(1).map((a) => this.term(a, e, pre, hoistRefs));
      out.push(...pre, { ...e, terms: [terms[0], ...args] });
      return;
    }
    if (terms.type === 'every') {
      const domain = this.term(terms.domain, e, pre);
      out.push(...pre, { ...e, terms: { ...terms, domain, body: this.body(terms.body) } });
      return;
    }
    if (terms.type === 'some') {
      out.push(...pre, e);
      return;
    }
    const t = this.term(terms, e, pre);
    out.push(...pre, { ...e, terms: t });
  }

  /** Flattens a rule head term, appending hoisted expressions (refs included) to `out`. */
  headTerm(t: Term, src: Expr, out: Expr[]): Term {
    this.hoistAllRefs = true;
    try {
      return this.term(t, src, out);
    } finally {
      this.hoistAllRefs = false;
    }
  }

  body(b: Body): Body {
    const out: Body = [];
    for (const e of b) this.expr(e, out);
    return out;
  }
}
