// The one function that runs the engine's stages in order (parse → compile → plan → wasm), like OPA's
// `compile` package: it stops after the first stage that reports errors and never throws.
import { compileModules, type RuleNode } from './compile/index.js';
import { planProgram } from './plan/index.js';
import type { Policy } from './plan/ir.js';
import type { Module } from './syntax/ast.js';
import { type Diagnostic, MAX_DIAGNOSTICS } from './syntax/diagnostics.js';
import { parseModule, parseQuery } from './syntax/index.js';
import { generateWasm } from './wasm/index.js';

export interface SourceFile {
  /** The name diagnostics and the bundle use, e.g. `policies/decision.rego`. */
  file: string;
  source: string;
  /** Rego version of this file (a bundle's `rego_version`); default: `CompileOptions.regoVersion`. */
  regoVersion?: 0 | 1;
}

export interface CompileOptions {
  modules: SourceFile[];
  /**
   * Rules to expose, as `pkg/rule` paths (`semamesh/decision/main`); each becomes an entrypoint
   * returning `[{"result": <value>}]`, in this order (entrypoint ids 0, 1, ...).
   */
  entrypoints?: string[];
  /**
   * A Rego query (`data.x.p = y; y > 1`) planned as the single entrypoint `eval`, whose rows bind the
   * query's variables — OPA's `rego.Compile`. Takes precedence over `entrypoints`.
   */
  query?: string;
  /** The query's package (`x.y`) and imports (`data.x as y`), as `opa eval --package/--import`. */
  queryPackage?: string;
  queryImports?: string[];
  /** Rego version of files that do not set their own (`--v0-compatible` is 0); default 1. */
  regoVersion?: 0 | 1;
  /** Record which expressions run: calls to the host builtin `internal.cover` (test coverage). */
  coverage?: boolean;
  /** Keep `print(...)` calls as calls to the `print` builtin (the host must then provide it). */
  print?: boolean;
  /**
   * Changes the parsed modules before they are compiled (e.g. the tester naming each test rule
   * apart); `result.modules` still holds them as parsed.
   */
  rewrite?: (modules: Module[]) => void;
}

export type StageName = 'parse' | 'compile' | 'plan' | 'wasm';

/** Milliseconds spent per stage (0 for stages that did not run). */
export interface CompileTimings {
  parse: number;
  compile: number;
  plan: number;
  wasm: number;
  total: number;
}

/** Set when a stage threw: a compiler bug, not a problem with the user's policy. */
export interface InternalError {
  stage: StageName;
  message: string;
  stack?: string;
}

export interface CompileResult {
  /** The finished module; present only when there are no diagnostics and a target was given. */
  wasm?: Uint8Array;
  policy?: Policy;
  /** The parsed modules (present once parsing succeeded), e.g. for printing them into a bundle. */
  modules?: Module[];
  diagnostics: Diagnostic[];
  timings: CompileTimings;
  internalError?: InternalError;
}

const QUERY_FILE = '<query>';

/**
 * Compiles Rego sources to a wasm policy. Without `entrypoints` and `query` only parsing and the
 * semantic checks run (validation mode: no plan, no wasm).
 */
export function compile(options: CompileOptions): CompileResult {
  const timings: CompileTimings = { parse: 0, compile: 0, plan: 0, wasm: 0, total: 0 };
  const started = performance.now();
  const result: CompileResult = { diagnostics: [], timings };
  const finish = (): CompileResult => {
    timings.total = performance.now() - started;
    if (result.diagnostics.length > MAX_DIAGNOSTICS) result.diagnostics.length = MAX_DIAGNOSTICS;
    return result;
  };

  // Each stage runs inside `stage()`, which times it and turns a throw into a diagnostic.
  const stage = <T>(name: StageName, run: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      return run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result.internalError = { stage: name, message, stack: err instanceof Error ? err.stack : undefined };
      result.diagnostics.push({
        code: 'rego_compile_error',
        message: `internal error in the ${name} stage: ${message}`,
      });
      return undefined;
    } finally {
      timings[name] += performance.now() - t0;
    }
  };

  const modules = stage('parse', () => {
    const parsed: Module[] = [];
    for (const { file, source, regoVersion } of options.modules) {
      const r = parseModule(source, file, { regoVersion: regoVersion ?? options.regoVersion });
      result.diagnostics.push(...r.diagnostics);
      if (r.module) parsed.push(r.module);
    }
    return parsed;
  });
  const queryBody =
    options.query === undefined
      ? undefined
      : stage('parse', () => {
          const r = parseQuery(options.query as string, QUERY_FILE);
          result.diagnostics.push(...r.diagnostics);
          return r.body;
        });
  const queryContext =
    queryBody && (options.queryPackage !== undefined || (options.queryImports ?? []).length > 0)
      ? stage('parse', () => {
          const source = [
            `package ${options.queryPackage ?? '__semamesh_query__'}`,
            ...(options.queryImports ?? []).map((i) => `import ${i}`),
          ].join('\n');
          const r = parseModule(source, '', { regoVersion: options.regoVersion });
          result.diagnostics.push(...r.diagnostics);
          if (r.module && r.module.rules.length > 0)
            result.diagnostics.push({ code: 'rego_parse_error', message: 'invalid --package or --import' });
          return r.module;
        })
      : undefined;
  if (!modules || result.diagnostics.length > 0) return finish();
  if (options.query !== undefined && !queryBody) return finish();
  result.modules = modules;

  const compiled = stage('compile', () => {
    let input = modules;
    if (options.rewrite) {
      input = structuredClone(modules);
      options.rewrite(input);
    }
    return compileModules(input, { query: queryBody, queryContext, print: options.print });
  });
  if (!compiled) return finish();
  result.diagnostics.push(...compiled.diagnostics);
  if (result.diagnostics.length > 0) return finish();
  if (!compiled.program) return silentFailure(result, 'compile', finish);

  const entrypoints = options.entrypoints ?? [];
  if (!queryBody && entrypoints.length === 0) return finish();
  const target = queryBody ? ({ query: true } as const) : { entrypoints };
  const program = compiled.program;
  if (!queryBody) result.diagnostics.push(...checkEntrypoints(entrypoints, program.root));
  if (result.diagnostics.length > 0) return finish();
  const planned = stage('plan', () => planProgram(program, target, { coverage: options.coverage }));
  if (!planned) return finish();
  result.diagnostics.push(...planned.diagnostics);
  if (result.diagnostics.length > 0) return finish();
  if (!planned.policy) return silentFailure(result, 'plan', finish);
  const policy = planned.policy;
  result.policy = policy;

  const wasm = stage('wasm', () => generateWasm(policy));
  if (wasm) result.wasm = wasm;
  return finish();
}

/**
 * Like `opa build`, refuses entrypoints that name no rule: a typo would otherwise compile to a
 * decision that is always undefined. An entrypoint may name a rule, a package, or a path into a rule.
 */
function checkEntrypoints(entrypoints: string[], root: RuleNode): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ep of entrypoints) {
    const segments = ep.split('/');
    if (segments.some((s) => s === '')) {
      out.push({
        code: 'rego_compile_error',
        message: `invalid entrypoint ${JSON.stringify(ep)}: want a path like pkg/rule`,
      });
      continue;
    }
    let node: RuleNode | undefined = root;
    for (const seg of segments) {
      if (node.kind) break;
      node = node.children.get(seg);
      if (!node) break;
    }
    if (!node || !hasRules(node))
      out.push({
        code: 'rego_compile_error',
        message: `entrypoint ${JSON.stringify(ep)} does not refer to a rule or policy decision`,
      });
  }
  return out;
}

function hasRules(node: RuleNode): boolean {
  if (node.kind) return true;
  for (const child of node.children.values()) if (hasRules(child)) return true;
  return false;
}

/** A stage that returned neither output nor a diagnostic has a bug; say so instead of failing quietly. */
function silentFailure(result: CompileResult, stage: StageName, finish: () => CompileResult): CompileResult {
  const message = 'the stage produced no output and no diagnostic';
  result.internalError = { stage, message };
  result.diagnostics.push({
    code: 'rego_compile_error',
    message: `internal error in the ${stage} stage: ${message}`,
  });
  return finish();
}

/** Whether a result failed because of a compiler bug rather than the user's policy. */
export function isInternalError(result: CompileResult): boolean {
  return result.internalError !== undefined;
}
