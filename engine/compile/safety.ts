// Safety check with body reordering (OPA's CheckSafetyRuleBodies/Heads): expressions are ordered
// so that each one's inputs are bound by those before it; vars no order can bind are unsafe.
import { lookupBuiltin } from '../builtins/catalog.js';
import type { ArrayComprehension, Body, Expr, Term } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { bodyVars, diagLoc, findVar, isWildcard, termVars, type VarGen } from './terms.js';

/** Arity of a call operator (builtin or user function), or undefined when unknown. */
export type ArityFn = (op: Term) => number | undefined;

const noClosures = { skipClosures: true };

/** Set by the checker: whether a term names a function or builtin (a `with` replacement, not a var). */
let namesCallee: (t: Term) => boolean = () => false;

function withValueVars(t: Term, out: Set<string>): void {
  if (!namesCallee(t)) termVars(t, out, noClosures);
}

/** Vars an expression needs (outside closures), excluding call operators and root refs. */
function exprNeeds(e: Expr): Set<string> {
  const out = new Set<string>();
  const t = e.terms;
  if (Array.isArray(t)) for (let i = 1; i < t.length; i++) termVars(t[i], out, noClosures);
  else if (t.type === 'every') termVars(t.domain, out, noClosures);
  else if (t.type !== 'some') termVars(t, out, noClosures);
  for (const w of e.with) withValueVars(w.value, out);
  return out;
}

/** Vars used inside closures (comprehension and `every` bodies) of an expression. */
function closureVars(e: Expr): Set<string> {
  const out = new Set<string>();
  const visit = (t: Term): void => {
    switch (t.type) {
      case 'arraycomprehension':
      case 'setcomprehension':
      case 'objectcomprehension':
        termVars(t, out);
        break;
      case 'ref':
      case 'array':
      case 'set':
      case 'call':
        for (const x of t.value) visit(x);
        break;
      case 'object':
        for (const [k, v] of t.value) {
          visit(k);
          visit(v);
        }
        break;
      default:
        break;
    }
  };
  const t = e.terms;
  if (Array.isArray(t)) for (const x of t.slice(1)) visit(x);
  else if (t.type === 'every') {
    for (const x of t.body) for (const v of exprAllVars(x)) out.add(v);
  } else if (t.type !== 'some') visit(t);
  for (const w of e.with) visit(w.value);
  return out;
}

function exprAllVars(e: Expr): Set<string> {
  const out = exprNeeds(e);
  for (const v of closureVars(e)) out.add(v);
  return out;
}

/** Vars bound by refs whose head is safe: `xs[i][j]` outputs i and j. */
function refOutputs(t: Term, safe: Set<string>, out: Set<string>): void {
  switch (t.type) {
    case 'ref': {
      const head = t.value[0];
      const headVars = head.type === 'var' ? new Set([head.value]) : termVars(head, new Set(), noClosures);
      const headSafe =
        head.type === 'var' ? head.value === 'data' || head.value === 'input' || safe.has(head.value) : true;
      const headOk =
        headSafe && (head.type === 'var' || [...headVars].every((v) => safe.has(v) || out.has(v)));
      if (head.type !== 'var') refOutputs(head, safe, out);
      if (!headOk) return;
      for (let i = 1; i < t.value.length; i++) termVars(t.value[i], out, noClosures);
      break;
    }
    case 'array':
    case 'set':
    case 'call':
      for (const x of t.value) refOutputs(x, safe, out);
      break;
    case 'object':
      for (const [k, v] of t.value) {
        refOutputs(k, safe, out);
        refOutputs(v, safe, out);
      }
      break;
    default:
      break;
  }
}

/** Vars bound by unifying a and b given the bound set (to a fixpoint). */
function unifyOutputs(a: Term, b: Term, bound: Set<string>, out: Set<string>): void {
  const allBound = (t: Term) =>
    [...termVars(t, new Set(), noClosures)].every((v) => bound.has(v) || out.has(v));
  const step = (x: Term, y: Term): void => {
    if (x.type === 'var' && !bound.has(x.value) && !out.has(x.value)) {
      if (allBound(y)) out.add(x.value);
      return;
    }
    if (y.type === 'var' && !bound.has(y.value) && !out.has(y.value)) {
      if (allBound(x)) out.add(y.value);
      return;
    }
    if (x.type === 'array' && y.type === 'array' && x.value.length === y.value.length) {
      for (const [i, xi] of x.value.entries()) step(xi, y.value[i]);
      return;
    }
    if (x.type === 'object' && y.type === 'object') {
      for (const [k, v] of x.value) {
        const other = y.value.find(([k2]) => keyText(k2) === keyText(k));
        if (other) step(v, other[1]);
      }
      return;
    }
    // A bound composite on one side binds the pattern on the other.
    if ((x.type === 'array' || x.type === 'object') && allBound(y))
      for (const v of patternVars(x)) out.add(v);
    else if ((y.type === 'array' || y.type === 'object') && allBound(x))
      for (const v of patternVars(y)) out.add(v);
  };
  for (;;) {
    const n = out.size;
    step(a, b);
    if (out.size === n) break;
  }
}

/** Identity of a scalar object key, ignoring its location. */
function keyText(t: Term): string {
  return 'value' in t && typeof t.value !== 'object' ? `${t.type}:${String(t.value)}` : `${t.type}:?`;
}

function patternVars(t: Term): Set<string> {
  return termVars(t, new Set(), { skipClosures: true, skipSetsAndKeys: true });
}

const isEqOp = (t: Term): boolean =>
  t.type === 'ref' && t.value.length === 1 && t.value[0].type === 'var' && t.value[0].value === 'eq';

export function outputVars(e: Expr, safe: Set<string>, arity: ArityFn): Set<string> {
  const out = new Set<string>();
  if (e.negated) return out;
  for (const w of e.with) {
    const vars = new Set<string>();
    withValueVars(w.value, vars);
    if ([...vars].some((v) => !safe.has(v))) return out;
  }
  const t = e.terms;
  if (!Array.isArray(t)) {
    if (t.type === 'every' || t.type === 'some') return out;
    refOutputs(t, safe, out);
    return out;
  }
  for (let i = 1; i < t.length; i++) refOutputs(t[i], safe, out);
  if (isEqOp(t[0]) && t.length === 3) {
    const bound = new Set([...safe, ...out]);
    unifyOutputs(t[1], t[2], bound, out);
    return out;
  }
  const n = arity(t[0]);
  if (n === undefined || t.length <= n + 1) return out;
  const inputs = new Set<string>();
  for (let i = 1; i <= n; i++)
    termVars(t[i], inputs, { skipClosures: true, skipSetsAndKeys: true, skipRefHead: true });
  if ([...inputs].some((v) => !safe.has(v) && !out.has(v))) return new Set();
  for (let i = n + 1; i < t.length; i++) for (const v of patternVars(t[i])) out.add(v);
  return out;
}

export class SafetyChecker {
  private readonly reported = new Set<string>();

  constructor(
    private readonly bag: DiagnosticBag,
    private readonly gen: VarGen,
    private readonly arity: ArityFn,
  ) {
    namesCallee = (t) =>
      (t.type === 'var' ? arity({ type: 'ref', value: [t] }) : t.type === 'ref' ? arity(t) : undefined) !==
      undefined;
  }

  private unsafe(e: Expr, v: string): void {
    const key = `${v}@${e.loc?.row}:${e.loc?.col}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const name = isWildcard(v) ? '_' : this.gen.display(v);
    if (name.startsWith('$')) {
      // A compiler-generated var means nothing to the user: OPA reports the expression instead.
      const exprKey = `expr@${e.loc?.row}:${e.loc?.col}`;
      if (this.reported.has(exprKey)) return;
      this.reported.add(exprKey);
      this.bag.add('rego_unsafe_var_error', 'expression is unsafe', diagLoc(e.loc));
      return;
    }
    const loc = findVar(e, v)?.loc ?? e.loc;
    this.bag.add('rego_unsafe_var_error', `var ${name} is unsafe`, diagLoc(loc));
  }

  /** Reorders `body` in place; returns the vars bound after it. */
  body(body: Body, globals: Set<string>): Set<string> {
    const visible = new Set<string>();
    for (const e of body) for (const v of exprNeeds(e)) visible.add(v);
    const safe = new Set(globals);
    const placed: Expr[] = [];
    const safeBefore = new Map<Expr, Set<string>>();
    const pending = new Set(body);
    for (;;) {
      let progress = false;
      for (const e of body) {
        if (!pending.has(e)) continue;
        const ovs = outputVars(e, safe, this.arity);
        const needs = [...exprNeeds(e)].filter((v) => !safe.has(v) && !ovs.has(v));
        const closure = [...closureVars(e)].filter((v) => visible.has(v) && !safe.has(v) && !globals.has(v));
        if (needs.length > 0 || closure.length > 0) continue;
        pending.delete(e);
        placed.push(e);
        safeBefore.set(e, new Set(safe));
        for (const v of ovs) safe.add(v);
        progress = true;
      }
      if (!progress) break;
    }
    for (const e of pending) {
      const ovs = outputVars(e, safe, this.arity);
      const vars = [...exprNeeds(e), ...[...closureVars(e)].filter((v) => visible.has(v))];
      for (const v of vars) if (!safe.has(v) && !ovs.has(v)) this.unsafe(e, v);
    }
    body.length = 0;
    body.push(...placed, ...pending);
    for (const e of placed) this.closures(e, safeBefore.get(e)!);
    return safe;
  }

  /** Checks closures nested in `e` with the vars bound before it as globals. */
  closures(e: Expr, bound: Set<string>): void {
    const t = e.terms;
    if (Array.isArray(t)) for (const x of t) this.termClosures(x, bound);
    else if (t.type === 'every') {
      const inner = new Set(bound);
      if (t.key) inner.add(t.key.value);
      inner.add(t.value.value);
      this.body(t.body, inner);
    } else if (t.type !== 'some') this.termClosures(t, bound);
    for (const w of e.with) this.termClosures(w.value, bound);
  }

  termClosures(t: Term, bound: Set<string>): void {
    switch (t.type) {
      case 'arraycomprehension':
      case 'setcomprehension': {
        if (t.type === 'arraycomprehension' && t.template) this.templatePart(t, bound);
        const safe = this.body(t.body, bound);
        this.headVars(t.term, safe, t.body);
        break;
      }
      case 'objectcomprehension': {
        const safe = this.body(t.body, bound);
        this.headVars(t.key, safe, t.body);
        this.headVars(t.value, safe, t.body);
        break;
      }
      case 'ref':
      case 'array':
      case 'set':
      case 'call':
        for (const x of t.value) this.termClosures(x, bound);
        break;
      case 'object':
        for (const [k, v] of t.value) {
          this.termClosures(k, bound);
          this.termClosures(v, bound);
        }
        break;
      default:
        break;
    }
  }

  /**
   * OPA's compile-time checks of a template-string part (rewriteTemplateString): its vars must be
   * bound outside it, and it may not call a relation builtin — either could give it several values.
   */
  private templatePart(t: ArrayComprehension, bound: Set<string>): void {
    const call = t.template?.call;
    if (call !== undefined && lookupBuiltin(call)?.relation) {
      const msg = `illegal call to relation built-in '${call}' that may cause multiple outputs`;
      this.bag.add('rego_compile_error', msg, diagLoc(t.loc));
      return;
    }
    const own = termVars(t.term, new Set());
    for (const v of bodyVars(t.body, new Set(), noClosures)) {
      if (own.has(v) || bound.has(v)) continue;
      if (v.startsWith('$') && !isWildcard(v) && !this.gen.names.has(v)) continue;
      const name = isWildcard(v) ? '_' : this.gen.display(v);
      this.bag.add('rego_compile_error', `var ${name} is undeclared`, diagLoc(t.loc));
    }
  }

  /** Head terms (rule heads, comprehension heads) may only use vars the body binds. */
  headVars(t: Term, safe: Set<string>, _body: Body): void {
    for (const v of termVars(t, new Set(), noClosures)) {
      if (!safe.has(v)) {
        const name = isWildcard(v) ? '_' : this.gen.display(v);
        this.bag.add('rego_unsafe_var_error', `var ${name} is unsafe`, diagLoc(findVar(t, v)?.loc ?? t.loc));
      }
    }
    this.termClosures(t, safe);
  }
}
