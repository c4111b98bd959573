// Term and body helpers shared by the compile stages: variable collection, groundness, copying,
// diagnostic locations and fresh variable names.
import type { Body, Expr, Location, RefTerm, Term, VarTerm } from '../syntax/ast.js';
import type { DiagnosticLocation } from '../syntax/diagnostics.js';

export interface VarOptions {
  /** Do not descend into comprehension bodies. */
  skipClosures?: boolean;
  /** Do not count the head of a ref (e.g. `x` in `x.y`) — only its operands. */
  skipRefHead?: boolean;
  /** Do not descend into set elements and object keys (cannot be pattern matched). */
  skipSetsAndKeys?: boolean;
  /** Do not count the operator ref of calls. */
  skipCallOperator?: boolean;
}

export const isWildcard = (name: string): boolean => name === '_' || name.startsWith('$_');
export const isRootVar = (name: string): boolean => name === 'data' || name === 'input';

/** Adds the variables of `t` to `out` (in order of appearance). */
export function termVars(t: Term, out: Set<string>, opt: VarOptions = {}): Set<string> {
  switch (t.type) {
    case 'var':
      out.add(t.value);
      break;
    case 'ref':
      t.value.forEach((x, i) => {
        if (i === 0 && x.type === 'var' && (opt.skipRefHead || isRootVar(x.value))) return;
        termVars(x, out, opt);
      });
      break;
    case 'array':
      for (const x of t.value) termVars(x, out, opt);
      break;
    case 'set':
      if (!opt.skipSetsAndKeys) for (const x of t.value) termVars(x, out, opt);
      break;
    case 'object':
      for (const [k, v] of t.value) {
        if (!opt.skipSetsAndKeys) termVars(k, out, opt);
        termVars(v, out, opt);
      }
      break;
    case 'call':
      t.value.forEach((x, i) => {
        if (i === 0 && (opt.skipCallOperator ?? true)) return;
        termVars(x, out, opt);
      });
      break;
    case 'arraycomprehension':
    case 'setcomprehension':
      if (!opt.skipClosures) {
        termVars(t.term, out, opt);
        bodyVars(t.body, out, opt);
      }
      break;
    case 'objectcomprehension':
      if (!opt.skipClosures) {
        termVars(t.key, out, opt);
        termVars(t.value, out, opt);
        bodyVars(t.body, out, opt);
      }
      break;
    default:
      break;
  }
  return out;
}

export function exprVars(e: Expr, out: Set<string>, opt: VarOptions = {}): Set<string> {
  const terms = e.terms;
  if (Array.isArray(terms)) {
    terms.forEach((t, i) => {
      if (i === 0 && (opt.skipCallOperator ?? true)) return;
      termVars(t, out, opt);
    });
  } else if (terms.type === 'some') {
    for (const s of terms.symbols) termVars(s, out, opt);
  } else if (terms.type === 'every') {
    termVars(terms.domain, out, opt);
    if (!opt.skipClosures) {
      if (terms.key) out.add(terms.key.value);
      out.add(terms.value.value);
      bodyVars(terms.body, out, opt);
    }
  } else {
    termVars(terms, out, opt);
  }
  for (const w of e.with) termVars(w.value, out, opt);
  return out;
}

export function bodyVars(body: Body, out: Set<string>, opt: VarOptions = {}): Set<string> {
  for (const e of body) exprVars(e, out, opt);
  return out;
}

/** Whether a term contains no variables at all (refs into data/input are not ground). */
export function isGround(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.value.every(isGround);
    case 'object':
      return t.value.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

export const isScalar = (t: Term): boolean =>
  t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string';

/** A deep copy, so rewrites of one rule never alias another's terms. */
export function cloneTerm<T extends Term>(t: T): T {
  return structuredClone(t);
}

/** The string path of a ref whose operands are all strings after the head, e.g. data.a.b → ['a','b']. */
export function staticPath(ref: RefTerm): string[] | undefined {
  const out: string[] = [];
  for (let i = 1; i < ref.value.length; i++) {
    const s = ref.value[i];
    if (s.type !== 'string') return undefined;
    out.push(s.value);
  }
  return out;
}

export function isDataRef(t: Term): t is RefTerm {
  return t.type === 'ref' && t.value[0]?.type === 'var' && t.value[0].value === 'data';
}

/** The first var term named `name` inside `t`, for diagnostic locations. */
export function findVar(t: Term | Expr, name: string): VarTerm | undefined {
  let found: VarTerm | undefined;
  const visit = (x: unknown): void => {
    if (found || x === null || typeof x !== 'object') return;
    const o = x as { type?: string; value?: unknown };
    if (o.type === 'var' && o.value === name) {
      found = o as VarTerm;
      return;
    }
    for (const v of Object.values(o)) {
      if (Array.isArray(v)) for (const y of v) visit(y);
      else if (v && typeof v === 'object' && !('file' in v && 'row' in v)) visit(v);
    }
  };
  visit(t);
  return found;
}

/** Human-readable Rego text of a term, for messages. */
export function termString(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
    case 'number':
      return String(t.value);
    case 'string':
      return JSON.stringify(t.value);
    case 'var':
      return t.value;
    case 'ref':
      return t.value
        .map((x, i) => {
          if (i === 0) return termString(x);
          if (x.type === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(x.value)) return `.${x.value}`;
          return `[${termString(x)}]`;
        })
        .join('');
    case 'array':
      return `[${t.value.map(termString).join(', ')}]`;
    case 'set':
      return t.value.length === 0 ? 'set()' : `{${t.value.map(termString).join(', ')}}`;
    case 'object':
      return `{${t.value.map(([k, v]) => `${termString(k)}: ${termString(v)}`).join(', ')}}`;
    case 'call':
      return `${termString(t.value[0])}(${t.value.slice(1).map(termString).join(', ')})`;
    case 'arraycomprehension':
      return `[${termString(t.term)} | ...]`;
    case 'setcomprehension':
      return `{${termString(t.term)} | ...}`;
    case 'objectcomprehension':
      return `{${termString(t.key)}: ${termString(t.value)} | ...}`;
  }
}

/** Calls `fn` on every term in `t`, pre-order, including comprehension heads and bodies. */
export function walkTerm(t: Term, fn: (t: Term) => void, onExpr?: (e: Expr) => void): void {
  fn(t);
  switch (t.type) {
    case 'ref':
    case 'array':
    case 'set':
    case 'call':
      for (const x of t.value) walkTerm(x, fn, onExpr);
      break;
    case 'object':
      for (const [k, v] of t.value) {
        walkTerm(k, fn, onExpr);
        walkTerm(v, fn, onExpr);
      }
      break;
    case 'arraycomprehension':
    case 'setcomprehension':
      walkTerm(t.term, fn, onExpr);
      walkBody(t.body, fn, onExpr);
      break;
    case 'objectcomprehension':
      walkTerm(t.key, fn, onExpr);
      walkTerm(t.value, fn, onExpr);
      walkBody(t.body, fn, onExpr);
      break;
    default:
      break;
  }
}

/** Calls `fn` on every term and `onExpr` on every expression of a body, closures included. */
export function walkBody(b: Body, fn: (t: Term) => void, onExpr?: (e: Expr) => void): void {
  for (const e of b) {
    onExpr?.(e);
    const t = e.terms;
    if (Array.isArray(t)) for (const x of t) walkTerm(x, fn, onExpr);
    else if (t.type === 'every') {
      walkTerm(t.domain, fn, onExpr);
      walkBody(t.body, fn, onExpr);
    } else if (t.type === 'some') for (const x of t.symbols) walkTerm(x, fn, onExpr);
    else walkTerm(t, fn, onExpr);
    for (const w of e.with) walkTerm(w.value, fn, onExpr);
  }
}

export function diagLoc(loc: Location | undefined): DiagnosticLocation | undefined {
  return loc ? { file: loc.file, row: loc.row, col: loc.col } : undefined;
}

/** Generates compiler-local variable names (`$<n>`), which user code can never spell. */
export class VarGen {
  private n = 0;
  /** Generated name → the user's name it stands for (for messages and query bindings). */
  readonly names = new Map<string, string>();

  fresh(userName?: string): string {
    const name = `$${this.n++}`;
    if (userName) this.names.set(name, userName);
    return name;
  }

  wildcard(): string {
    return `$_${this.n++}`;
  }

  /** The user's spelling of a (possibly generated) variable. */
  display(name: string): string {
    return this.names.get(name) ?? name;
  }
}
