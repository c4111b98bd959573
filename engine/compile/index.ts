// The compiler orchestrator: runs the stages in OPA's order over parsed modules (and a query).
import type { Body, Expr, Module, Rule, Term } from '../syntax/ast.js';
import { type Diagnostic, DiagnosticBag } from '../syntax/diagnostics.js';
import { CompileInternalError } from './errors.js';
import { Flattener } from './flatten.js';
import { LocalRewriter } from './locals.js';
import { rewriteMetadataCalls } from './metadata.js';
import type { CompiledProgram } from './program.js';
import { checkRecursion } from './recursion.js';
import { resolveModules, resolveQuery } from './resolve.js';
import { buildRuleTree } from './rule-tree.js';
import { SafetyChecker } from './safety.js';
import { termVars, VarGen } from './terms.js';
import { CallChecker, resolveCallee } from './typecheck.js';

export type { CompiledProgram, RuleEntry, RuleKind, RuleNode } from './program.js';

export interface CompileOptions {
  /** A query to compile alongside the modules (query mode). */
  query?: Body;
  /** The query's package and imports (`opa eval --package/--import`), as a module without rules. */
  queryContext?: Module;
  /**
   * Keep `print(...)` calls as calls to the `print` builtin (arity 1: an array of sets of operand
   * values). Off by default: prints are dropped, so policies never need a `print` host builtin.
   */
  print?: boolean;
}

export interface CompileResult {
  program?: CompiledProgram;
  diagnostics: Diagnostic[];
}

/** Visits every rule and else link; else links share the first link's function args. */
function forEachLink(modules: Module[], fn: (r: Rule) => void): void {
  for (const m of modules)
    for (const r of m.rules)
      for (let l: Rule | undefined = r; l; l = l.else) {
        if (l !== r && r.head.args && !l.head.args) l.head.args = structuredClone(r.head.args);
        fn(l);
      }
}

/** Flattens a rule's body and hoists calls out of its head terms into the end of the body. */
function flattenRule(r: Rule, fl: Flattener): void {
  r.body = fl.body(r.body);
  const h = r.head;
  const src = { terms: [] as Term[], negated: false, with: [], index: r.body.length, loc: h.loc ?? r.loc };
  if (!h.value && !h.contains) h.value = { type: 'boolean', value: true, loc: h.loc };
  const hoist = (t: Term | undefined): Term | undefined => {
    if (!t) return t;
    const out: Expr[] = [];
    const simple = fl.headTerm(t, { ...src, terms: t }, out);
    r.body.push(...out);
    return simple;
  };
  // Calls in function arguments (a template string `f($"{x}")`) are computed in the body, as in OPA.
  if (h.args) h.args = h.args.map((a) => hoist(a) ?? a);
  h.key = hoist(h.key);
  h.value = hoist(h.value);
  h.ref = h.ref.map((t, i) => (i === 0 ? t : hoist(t)!));
}

/** Compiles modules (and optionally a query) into a program for the planner. Never throws. */
export function compileModules(modules: Module[], options: CompileOptions = {}): CompileResult {
  try {
    return compileUnguarded(modules, options);
  } catch (err) {
    // A compiler bug must not crash the caller (the conformance harness counts crashes).
    const e = new CompileInternalError(err instanceof Error ? err.message : String(err), { cause: err });
    return {
      diagnostics: [
        { code: 'rego_compile_error', message: `internal compiler error (${e.code}): ${e.message}` },
      ],
    };
  }
}

function compileUnguarded(modules: Module[], options: CompileOptions): CompileResult {
  const bag = new DiagnosticBag();
  const mods = structuredClone(modules);
  let query = options.query ? structuredClone(options.query) : undefined;
  const gen = new VarGen();

  // `f() := v` declares no function: as in OPA, it is a complete rule `f`, referenced as `f`.
  for (const m of mods)
    for (const r of m.rules)
      for (let l: Rule | undefined = r; l; l = l.else) if (l.head.args?.length === 0) delete l.head.args;

  rewriteMetadataCalls(mods);
  resolveModules(mods, bag);
  if (query)
    resolveQuery(query, options.queryContext && { module: options.queryContext, modules: mods, bag });

  const locals = new LocalRewriter(gen, bag);
  locals.enablePrint = options.print === true;
  forEachLink(mods, (r) => locals.rule(r));
  if (query) query = locals.query(query);

  const fl = new Flattener(gen);
  forEachLink(mods, (r) => flattenRule(r, fl));
  if (query) query = fl.body(query);

  const root = buildRuleTree(mods, bag);
  if (!bag.empty) return { diagnostics: bag.items };

  const calls = new CallChecker(root, bag);
  for (const m of mods) {
    // Rego v0 modules may call the builtins v1 deprecated.
    calls.allowDeprecated = m.regoVersion === 0;
    forEachLink([m], (r) => calls.body(r.body));
  }
  if (query) {
    calls.allowDeprecated = true;
    calls.body(query);
  }
  if (!bag.empty) return { diagnostics: bag.items };

  const arity = (op: Term): number | undefined => {
    const c = resolveCallee(root, op);
    return c.kind === 'unknown' ? undefined : c.arity;
  };
  const safety = new SafetyChecker(bag, gen, arity);
  forEachLink(mods, (r) => {
    const globals = new Set<string>();
    for (const a of r.head.args ?? []) termVars(a, globals);
    const safe = safety.body(r.body, globals);
    const h = r.head;
    for (const t of [h.key, h.value, ...h.ref.slice(1)]) if (t) safety.headVars(t, safe, r.body);
  });
  if (query) safety.body(query, new Set());
  if (!bag.empty) return { diagnostics: bag.items };

  checkRecursion(root, bag);
  if (!bag.empty) return { diagnostics: bag.items };

  const queryVars: [string, string][] = [];
  if (query) {
    const vars = new Set<string>();
    for (const e of query) {
      const t = e.terms;
      if (Array.isArray(t)) for (const x of t.slice(1)) termVars(x, vars, { skipClosures: true });
      else if (t.type !== 'every' && t.type !== 'some') termVars(t, vars, { skipClosures: true });
    }
    for (const v of vars) {
      const display = gen.display(v);
      if (!display.startsWith('$') && display !== '_') queryVars.push([v, display]);
    }
  }
  const program: CompiledProgram = { modules: mods, root, query, queryVars, rewrittenVars: gen.names };
  return { program, diagnostics: bag.items };
}
