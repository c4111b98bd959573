// Ref resolution (OPA's ResolveRefs): imports and package-relative rule names become full data refs.
import type { Body, Expr, Module, RefTerm, Rule, Term, VarTerm } from '../syntax/ast.js';
import { refTerm, stringTerm } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { cloneTerm, diagLoc, termString, termVars } from './terms.js';

type Globals = Map<string, RefTerm>;

/** Vars a body declares with `:=` or `some` (they shadow globals within that body). */
export function declaredVars(body: Body): Set<string> {
  const out = new Set<string>();
  for (const e of body) {
    const t = e.terms;
    if (Array.isArray(t)) {
      const op = t[0];
      if (
        op?.type === 'ref' &&
        op.value.length === 1 &&
        op.value[0].type === 'var' &&
        op.value[0].value === 'assign'
      )
        if (t[1]) termVars(t[1], out);
    } else if (t.type === 'some') {
      for (const s of t.symbols) {
        if (s.type === 'call') {
          const n = s.value.length - 1;
          // internal.member_2(x, xs) declares x; internal.member_3(k, v, xs) declares k, v.
          for (let i = 1; i < n; i++) termVars(s.value[i], out);
        } else termVars(s, out);
      }
    }
  }
  return out;
}

/** A package path as a map key (`data.a.b`). */
const packageKey = (mod: Module): string => termString(refTerm(mod.package.path));

/**
 * Rule names per package, over every module: like OPA, a name resolves against the whole package,
 * so `a.rego` and `a_test.rego` that both declare `package x` see each other's rules.
 */
function packageRules(modules: Module[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const mod of modules) {
    const key = packageKey(mod);
    const names = out.get(key) ?? new Set<string>();
    out.set(key, names);
    for (const r of mod.rules) names.add(r.head.name);
  }
  return out;
}

function moduleGlobals(mod: Module, rules: Set<string>, bag: DiagnosticBag): Globals {
  const pkg = mod.package.path;
  const g: Globals = new Map();
  for (const name of rules) {
    g.set(name, refTerm([...pkg.map((t) => cloneTerm(t)), stringTerm(name)]));
  }
  const seen = new Set<string>();
  for (const imp of mod.imports) {
    const p = imp.path.value;
    const head = p[0];
    if (head?.type !== 'var') continue;
    if (head.value === 'future' || head.value === 'rego') continue;
    if (head.value !== 'data' && head.value !== 'input') {
      bag.add('rego_compile_error', `invalid import ${termString(imp.path)}`, diagLoc(imp.loc));
      continue;
    }
    const last = p[p.length - 1];
    const name = imp.alias ?? (p.length === 1 ? head.value : last.type === 'string' ? last.value : undefined);
    if (!name) continue;
    if (seen.has(name)) {
      bag.add('rego_compile_error', `import must not shadow import ${name}`, diagLoc(imp.loc));
      continue;
    }
    seen.add(name);
    if (name === 'input' || name === 'data') continue;
    g.set(name, cloneTerm(imp.path));
  }
  return g;
}

/** `input` or `data` appearing as a name inside an argument pattern. */
function rootIn(t: Term): string | undefined {
  if (t.type === 'var' && (t.value === 'input' || t.value === 'data')) return t.value;
  if (t.type === 'ref' && t.value.length === 1) return rootIn(t.value[0]);
  const parts: Term[] = t.type === 'array' ? t.value : t.type === 'object' ? t.value.map(([, v]) => v) : [];
  for (const x of parts) {
    const r = rootIn(x);
    if (r) return r;
  }
  return undefined;
}

class Resolver {
  private readonly ignore: Set<string>[] = [];
  readonly errors: { message: string; loc: Term['loc'] }[] = [];
  constructor(private readonly globals: Globals) {}

  private ignored(name: string): boolean {
    return this.ignore.some((s) => s.has(name));
  }

  private globalRef(v: VarTerm): RefTerm | undefined {
    if (v.value === 'input' || v.value === 'data') return refTerm([v], v.loc);
    if (this.ignored(v.value)) return undefined;
    const g = this.globals.get(v.value);
    if (!g) return undefined;
    const r = cloneTerm(g);
    r.loc = v.loc;
    for (const x of r.value) x.loc = v.loc;
    return r;
  }

  term(t: Term): Term {
    switch (t.type) {
      case 'var':
        return this.globalRef(t) ?? t;
      case 'ref': {
        const [head, ...rest] = t.value;
        const restR = rest.map((x) => this.term(x));
        if (head.type === 'var') {
          const g = this.globalRef(head);
          if (g) return refTerm([...g.value, ...restR], t.loc);
          return refTerm([head, ...restR], t.loc);
        }
        return refTerm([this.term(head), ...restR], t.loc);
      }
      case 'call':
        return {
          type: 'call',
          value: [this.operator(t.value[0]), ...t.value.slice(1).map((x) => this.term(x))],
          loc: t.loc,
        };
      case 'array':
        t.value = t.value.map((x) => this.term(x));
        return t;
      case 'set':
        t.value = t.value.map((x) => this.term(x));
        return t;
      case 'object':
        t.value = t.value.map(([k, v]) => [this.term(k), this.term(v)]);
        return t;
      case 'arraycomprehension':
      case 'setcomprehension':
        this.ignore.push(declaredVars(t.body));
        t.term = this.term(t.term);
        this.body(t.body);
        this.ignore.pop();
        return t;
      case 'objectcomprehension':
        this.ignore.push(declaredVars(t.body));
        t.key = this.term(t.key);
        t.value = this.term(t.value);
        this.body(t.body);
        this.ignore.pop();
        return t;
      default:
        return t;
    }
  }

  /** Operators resolve like refs, but a builtin name that is no global stays as written. */
  operator(op: Term): Term {
    if (op.type === 'var') return this.globalRef(op) ?? refTerm([op], op.loc);
    return this.term(op);
  }

  expr(e: Expr): void {
    const t = e.terms;
    if (Array.isArray(t)) {
      e.terms = [this.operator(t[0]), ...t.slice(1).map((x) => this.term(x))];
    } else if (t.type === 'some') {
      t.symbols = t.symbols.map((s) => this.term(s));
    } else if (t.type === 'every') {
      t.domain = this.term(t.domain);
      const declared = declaredVars(t.body);
      if (t.key) declared.add(t.key.value);
      declared.add(t.value.value);
      this.ignore.push(declared);
      this.body(t.body);
      this.ignore.pop();
    } else {
      e.terms = this.term(t);
    }
    for (const w of e.with) {
      const target = this.operator(w.target);
      w.target = target.type === 'ref' ? target : refTerm([target]);
      w.value = this.term(w.value);
    }
  }

  body(b: Body): void {
    for (const e of b) this.expr(e);
  }

  rule(r: Rule): void {
    for (const a of r.head.args ?? []) {
      const root = rootIn(a);
      if (root)
        this.errors.push({
          message: `args must not shadow ${root} (use a different variable name)`,
          loc: a.loc,
        });
    }
    const argVars = new Set<string>();
    for (const a of r.head.args ?? []) termVars(a, argVars);
    this.ignore.push(argVars);
    this.ignore.push(declaredVars(r.body));
    if (r.head.args) r.head.args = r.head.args.map((a) => this.term(a));
    r.head.ref = r.head.ref.map((x, i) => (i === 0 ? x : this.term(x)));
    if (r.head.key) r.head.key = this.term(r.head.key);
    if (r.head.value) r.head.value = this.term(r.head.value);
    this.body(r.body);
    this.ignore.pop();
    this.ignore.pop();
    if (r.else) this.rule(r.else);
  }
}

/** Resolves every module in place. */
export function resolveModules(modules: Module[], bag: DiagnosticBag): void {
  const rules = packageRules(modules);
  for (const mod of modules) {
    const res = new Resolver(moduleGlobals(mod, rules.get(packageKey(mod)) ?? new Set(), bag));
    for (const r of mod.rules) res.rule(r);
    for (const e of res.errors) bag.add('rego_compile_error', e.message, diagLoc(e.loc));
  }
}

/**
 * Resolves a query: only `input`/`data` are roots; other names stay vars (or builtin operators).
 * With a context (`opa eval --package/--import`: a module without rules), names resolve as in a
 * module of that package with those imports.
 */
export function resolveQuery(
  body: Body,
  context?: { module: Module; modules: Module[]; bag: DiagnosticBag },
): void {
  const globals = context
    ? moduleGlobals(
        context.module,
        packageRules(context.modules).get(packageKey(context.module)) ?? new Set(),
        context.bag,
      )
    : new Map();
  const res = new Resolver(globals);
  res.body(body);
  if (context) for (const e of res.errors) context.bag.add('rego_compile_error', e.message, diagLoc(e.loc));
}
