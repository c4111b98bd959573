// Local variable rewriting (OPA's RewriteLocalVars): `:=`/`some`/`every` declarations get fresh
// names, wildcards become distinct generated vars, and `some x in xs` becomes iteration.
import type { Body, Expr, Rule, Term } from '../syntax/ast.js';
import { refTerm, stringTerm, varTerm } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { diagLoc, termVars, type VarGen } from './terms.js';

interface Scope {
  declared: Map<string, string>;
  /** Names used (undeclared) so far in this scope, for "referenced above". */
  used: Set<string>;
}

const opName = (t: Term): string | undefined =>
  t.type === 'ref' && t.value.every((x, i) => (i === 0 ? x.type === 'var' : x.type === 'string'))
    ? t.value.map((x) => String((x as { value: unknown }).value)).join('.')
    : undefined;

export class LocalRewriter {
  private scopes: Scope[] = [];
  /** Keep `print(...)` calls (as OPA's RewritePrintCalls does); otherwise they are dropped. */
  enablePrint = false;

  constructor(
    private readonly gen: VarGen,
    private readonly bag: DiagnosticBag,
  ) {}

  private lookup(name: string): string | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const r = this.scopes[i].declared.get(name);
      if (r) return r;
    }
    return undefined;
  }

  private get top(): Scope {
    return this.scopes[this.scopes.length - 1];
  }

  private declare(t: Term, kind: 'assigned' | 'declared'): void {
    const vars = termVars(t, new Set(), { skipSetsAndKeys: false });
    for (const v of vars) {
      if (v === '_' || v.startsWith('$')) continue;
      if (this.top.declared.has(v)) {
        this.bag.add('rego_compile_error', `var ${v} ${kind} above`, diagLoc(findLoc(t, v)));
        continue;
      }
      if (this.top.used.has(v)) {
        this.bag.add('rego_compile_error', `var ${v} referenced above`, diagLoc(findLoc(t, v)));
        continue;
      }
      this.top.declared.set(v, this.gen.fresh(v));
    }
  }

  term(t: Term): Term {
    switch (t.type) {
      case 'var': {
        if (t.value === '_') return varTerm(this.gen.wildcard(), t.loc);
        const r = this.lookup(t.value);
        if (r) return varTerm(r, t.loc);
        if (!t.value.startsWith('$')) this.top.used.add(t.value);
        return t;
      }
      case 'ref':
        return refTerm(
          t.value.map((x) => this.term(x)),
          t.loc,
        );
      case 'call':
        return { type: 'call', value: t.value.map((x, i) => (i === 0 ? x : this.term(x))), loc: t.loc };
      case 'array':
      case 'set':
        return { ...t, value: t.value.map((x) => this.term(x)) } as Term;
      case 'object':
        return { ...t, value: t.value.map(([k, v]) => [this.term(k), this.term(v)] as [Term, Term]) };
      case 'arraycomprehension':
      case 'setcomprehension': {
        this.push();
        const body = this.body(t.body);
        const term = this.term(t.term);
        this.pop();
        return { ...t, term, body };
      }
      case 'objectcomprehension': {
        this.push();
        const body = this.body(t.body);
        const key = this.term(t.key);
        const value = this.term(t.value);
        this.pop();
        return { ...t, key, value, body };
      }
      default:
        return t;
    }
  }

  private push(): void {
    this.scopes.push({ declared: new Map(), used: new Set() });
  }

  private pop(): void {
    this.scopes.pop();
  }

  private withs(e: Expr): void {
    for (const w of e.with) w.value = this.term(w.value);
  }

  private expr(e: Expr, out: Body): void {
    const t = e.terms;
    const eqRef = (loc: Expr['loc']) => refTerm([varTerm('eq', loc)], loc);
    if (Array.isArray(t)) {
      const op = opName(t[0]);
      if (op === 'print') {
        if (this.enablePrint) out.push(this.printCall(e, t));
        return;
      }
      if (op === 'assign' && t.length === 3) {
        if (e.negated) {
          this.bag.add('rego_compile_error', 'cannot assign vars inside negated expression', diagLoc(e.loc));
          return;
        }
        const invalid = invalidAssignee(t[1]);
        if (invalid) {
          this.bag.add(
            'rego_compile_error',
            `cannot assign to ${invalid.type}`,
            diagLoc(invalid.loc ?? e.loc),
          );
          return;
        }
        const shadowed = rootIn(t[1]);
        if (shadowed) {
          this.bag.add(
            'rego_compile_error',
            `variables must not shadow ${shadowed} (use a different variable name)`,
            diagLoc(t[1].loc ?? e.loc),
          );
          return;
        }
        const rhs = this.term(t[2]);
        this.declare(t[1], 'assigned');
        const lhs = this.term(t[1]);
        this.withs(e);
        out.push({ ...e, terms: [eqRef(t[0].loc), lhs, rhs] });
        return;
      }
      this.withs(e);
      out.push({ ...e, terms: t.map((x, i) => (i === 0 ? x : this.term(x))) });
      return;
    }
    if (t.type === 'some') {
      for (const s of t.symbols) {
        if (s.type !== 'call') {
          this.declare(s, 'declared');
          continue;
        }
        // some x in xs → xs[$k] = x;  some k, v in xs → xs[k] = v
        const args = s.value.slice(1);
        const domain = this.term(args[args.length - 1]);
        const declaredTerms = args.slice(0, -1);
        for (const d of declaredTerms) this.declare(d, 'declared');
        const value = this.term(declaredTerms[declaredTerms.length - 1]);
        let key: Term = varTerm(this.gen.wildcard(), s.loc);
        const extra: Expr[] = [];
        if (declaredTerms.length === 2) {
          const k = this.term(declaredTerms[0]);
          if (k.type === 'var') key = k;
          else
            extra.push({
              terms: [eqRef(s.loc), key, k],
              negated: false,
              with: [],
              index: e.index,
              loc: e.loc,
            });
        }
        const ref = refTerm([domain, key], s.loc);
        this.withs(e);
        out.push({ ...e, terms: [eqRef(s.loc), ref, value] }, ...extra);
      }
      return;
    }
    if (t.type === 'every') {
      const domain = this.term(t.domain);
      this.push();
      const key = t.key ? this.declareVar(t.key.value, t.key.loc) : varTerm(this.gen.wildcard(), t.loc);
      const value = this.declareVar(t.value.value, t.value.loc);
      const body = this.body(t.body);
      this.pop();
      this.withs(e);
      out.push({ ...e, terms: { type: 'every', key, value, domain, body, loc: t.loc } });
      return;
    }
    this.withs(e);
    out.push({ ...e, terms: this.term(t) });
  }

  /**
   * print(a, b) → internal.print([{$x | $x = a}, {$y | $y = b}]): each operand becomes the set of its
   * values, so an undefined operand prints as empty instead of making the expression undefined.
   */
  private printCall(e: Expr, t: Term[]): Expr {
    const sets: Term[] = t.slice(1).map((arg) => {
      const v = varTerm(this.gen.fresh(), arg.loc);
      const body: Body = [
        {
          terms: [refTerm([varTerm('eq', arg.loc)], arg.loc), v, arg],
          negated: false,
          with: [],
          index: 0,
          loc: arg.loc,
        },
      ];
      return this.term({ type: 'setcomprehension', term: v, body, loc: arg.loc });
    });
    // Like OPA, the rewritten call is `internal.print` (arity 1), which the host implements.
    const op = refTerm([varTerm('internal', t[0].loc), stringTerm('print', t[0].loc)], t[0].loc);
    return { ...e, terms: [op, { type: 'array', value: sets, loc: e.loc }] };
  }

  private declareVar(name: string, loc: Term['loc']) {
    if (name === '_') return varTerm(this.gen.wildcard(), loc);
    const fresh = this.gen.fresh(name);
    this.top.declared.set(name, fresh);
    return varTerm(fresh, loc);
  }

  body(b: Body): Body {
    const out: Body = [];
    for (const e of b) this.expr(e, out);
    return out;
  }

  rule(r: Rule): void {
    this.scopes = [];
    this.push();
    if (r.head.args) {
      r.head.args = r.head.args.map((a) => this.term(a));
      for (const a of r.head.args) for (const v of termVars(a, new Set())) this.top.declared.set(v, v);
    }
    r.body = this.body(r.body);
    r.head.ref = r.head.ref.map((x, i) => (i === 0 ? x : this.term(x)));
    if (r.head.key) r.head.key = this.term(r.head.key);
    if (r.head.value) r.head.value = this.term(r.head.value);
    this.pop();
  }

  query(b: Body): Body {
    this.scopes = [];
    this.push();
    const out = this.body(b);
    this.pop();
    return out;
  }
}

/** The first part of an assignment target that is not a var, array or object value (OPA's check). */
function invalidAssignee(t: Term): Term | undefined {
  switch (t.type) {
    case 'var':
      return undefined;
    case 'array':
      for (const x of t.value) {
        const bad = invalidAssignee(x);
        if (bad) return bad;
      }
      return undefined;
    case 'object':
      for (const [, x] of t.value) {
        const bad = invalidAssignee(x);
        if (bad) return bad;
      }
      return undefined;
    case 'ref':
      // `input := ...` / `data := ...` are reported as shadowing by the caller.
      return rootIn(t) ? undefined : t;
    default:
      return t;
  }
}

/** `input` or `data` used as a declared name (resolved to a root ref by then). */
function rootIn(t: Term): string | undefined {
  if (t.type === 'ref' && t.value.length === 1 && t.value[0].type === 'var') {
    const v = t.value[0].value;
    if (v === 'input' || v === 'data') return v;
  }
  if (t.type === 'array')
    for (const x of t.value) {
      const r = rootIn(x);
      if (r) return r;
    }
  if (t.type === 'object')
    for (const [, x] of t.value) {
      const r = rootIn(x);
      if (r) return r;
    }
  return undefined;
}

function findLoc(t: Term, name: string): Term['loc'] {
  if (t.type === 'var' && t.value === name) return t.loc;
  const vals: Term[] =
    t.type === 'array' || t.type === 'set' || t.type === 'ref'
      ? t.value
      : t.type === 'object'
        ? t.value.flat()
        : [];
  for (const x of vals) {
    const l = findLoc(x, name);
    if (l) return l;
  }
  return t.loc;
}
