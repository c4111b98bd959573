// Test helpers: Rego source → parse → compile → plan → IR interpreter, with diagnostics as text.
import { compileModules } from '../compile/index.js';
import type { Module } from '../syntax/ast.js';
import { formatDiagnostic, parseModule, parseQuery } from '../syntax/index.js';
import { planProgram } from './index.js';
import { interpret } from './interp.js';
import type { Policy } from './ir.js';

export interface EvalOptions {
  input?: unknown;
  data?: unknown;
}

function parseAll(sources: string[]): Module[] {
  return sources.map((src, i) => {
    const r = parseModule(src, `m${i}.rego`);
    if (!r.module) throw new Error(`parse failed: ${r.diagnostics.map(formatDiagnostic).join('; ')}`);
    return r.module;
  });
}

/** Compiles and plans; returns the policy or the diagnostics as `code: message` lines. */
export function planRego(sources: string[], query: string): { policy?: Policy; errors: string[] } {
  const q = parseQuery(query);
  if (!q.body) throw new Error(`query parse failed: ${q.diagnostics.map(formatDiagnostic).join('; ')}`);
  const c = compileModules(parseAll(sources), { query: q.body });
  if (!c.program) return { errors: c.diagnostics.map((d) => `${d.code}: ${d.message}`) };
  const p = planProgram(c.program, { query: true });
  return { policy: p.policy, errors: p.diagnostics.map((d) => `${d.code}: ${d.message}`) };
}

/** Evaluates `query` against the modules in query mode; returns the result rows. */
export function evalRego(sources: string[], query: string, opts: EvalOptions = {}): unknown[] {
  const { policy, errors } = planRego(sources, query);
  if (!policy) throw new Error(`compile failed: ${errors.join('; ')}`);
  return interpret(policy, opts);
}

/** Plans entrypoints and evaluates one of them. */
export function evalEntrypoint(
  sources: string[],
  entrypoints: string[],
  ep: string,
  opts: EvalOptions = {},
): unknown[] {
  const c = compileModules(parseAll(sources));
  if (!c.program) throw new Error(`compile failed: ${c.diagnostics.map(formatDiagnostic).join('; ')}`);
  const p = planProgram(c.program, { entrypoints });
  if (!p.policy) throw new Error(`plan failed: ${p.diagnostics.map(formatDiagnostic).join('; ')}`);
  return interpret(p.policy, { ...opts, entrypoint: ep });
}

/** The compile diagnostics for modules (and an optional query) as `code: message` lines. */
export function compileErrors(sources: string[], query?: string): string[] {
  const q = query ? parseQuery(query).body : undefined;
  const c = compileModules(parseAll(sources), { query: q });
  return c.diagnostics.map((d) => `${d.code}: ${d.message}`);
}
