// Runs the Rego conformance cases through parse → compile → plan → IR interpreter (no wasm) and
// prints passed/failed/error counts per topic. Usage: tsx scripts/conformance-interp.ts [topic...] [-v]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileModules } from '../engine/compile/index.js';
import { planProgram } from '../engine/plan/index.js';
import { InterpError, interpret } from '../engine/plan/interp.js';
import { valueFromTerm } from '../engine/plan/interp-values.js';
import type { Module } from '../engine/syntax/ast.js';
import { formatDiagnostic, parseModule, parseQuery, parseTerm } from '../engine/syntax/index.js';

const ROOT = '/work/shared/rego-conformance/v1';

interface Case {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_defined?: boolean;
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
}

type Outcome = { status: 'pass' | 'fail' | 'error' | 'nobuiltin'; reason?: string };

const canonJson = (x: unknown): string =>
  JSON.stringify(x, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

function sortArrays(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortArrays).sort((a, b) => (canonJson(a) < canonJson(b) ? -1 : 1));
  if (x && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, sortArrays(v)]));
  return x;
}

function rowsKey(rows: unknown[], sort: boolean): string {
  return rows
    .map((r) => canonJson(sort ? sortArrays(r) : r))
    .sort()
    .join('\n');
}

function runCase(c: Case): Outcome {
  const modules: Module[] = [];
  for (const [i, src] of (c.modules ?? []).entries()) {
    const r = parseModule(src, `module-${i}.rego`);
    if (!r.module) return { status: 'error', reason: `parse: ${r.diagnostics.map(formatDiagnostic)[0]}` };
    modules.push(r.module);
  }
  const q = parseQuery(c.query);
  if (!q.body) return { status: 'error', reason: `parse query: ${q.diagnostics.map(formatDiagnostic)[0]}` };
  const compiled = compileModules(modules, { query: q.body });
  if (!compiled.program)
    return { status: 'error', reason: `compile: ${compiled.diagnostics.map(formatDiagnostic)[0]}` };
  const planned = planProgram(compiled.program, { query: true });
  if (!planned.policy)
    return { status: 'error', reason: `plan: ${planned.diagnostics.map(formatDiagnostic)[0]}` };
  let input: unknown = c.input;
  if (c.input_term !== undefined) {
    const t = parseTerm(c.input_term);
    if (!t.term) return { status: 'error', reason: 'input_term parse' };
    input = valueFromTerm(t.term);
    if (input === undefined) return { status: 'error', reason: 'input_term is not a value' };
  }
  let rows: unknown[];
  try {
    rows = interpret(planned.policy, { input, data: c.data ?? {}, maxSteps: 2e7 });
  } catch (e) {
    if (e instanceof InterpError) {
      if (e.message.includes('not implemented by the interpreter'))
        return { status: 'nobuiltin', reason: e.message };
      if (
        c.want_error_code === 'eval_conflict_error' &&
        !c.strict_error &&
        e.opaCode === 'eval_conflict_error'
      )
        return { status: 'pass' };
      return { status: 'fail', reason: `runtime: ${e.message}` };
    }
    return { status: 'error', reason: `crash: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}` };
  }
  if (c.want_error_code || c.want_error) {
    if (c.strict_error || c.want_error_code !== 'eval_conflict_error') {
      return rows.length === 0
        ? { status: 'pass' }
        : { status: 'fail', reason: 'expected empty result (strict error)' };
    }
    return { status: 'fail', reason: 'expected conflict error' };
  }
  if (c.want_defined !== undefined) {
    return rows.length > 0 === c.want_defined
      ? { status: 'pass' }
      : { status: 'fail', reason: 'definedness' };
  }
  const want = c.want_result ?? [];
  const sort = !!c.sort_bindings;
  if (rowsKey(rows, sort) === rowsKey(want, sort)) return { status: 'pass' };
  return {
    status: 'fail',
    reason: `got ${canonJson(rows).slice(0, 300)} want ${canonJson(want).slice(0, 300)}`,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const verbose = args.includes('-v');
  const topics = args.filter((a) => !a.startsWith('-'));
  const dirs = topics.length ? topics : readdirSync(ROOT).filter((d) => !d.includes('.'));
  const totals = { pass: 0, fail: 0, error: 0, nobuiltin: 0 };
  const reasons = new Map<string, number>();
  for (const dir of dirs.sort()) {
    const counts = { pass: 0, fail: 0, error: 0, nobuiltin: 0 };
    for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.yaml'))) {
      const doc = parseYaml(readFileSync(join(ROOT, dir, f), 'utf8')) as { cases?: Case[] };
      for (const c of doc.cases ?? []) {
        let out: Outcome;
        try {
          out = runCase(c);
        } catch (e) {
          out = {
            status: 'error',
            reason: `crash: ${(e as Error).stack?.split('\n').slice(0, 4).join(' | ')}`,
          };
        }
        counts[out.status]++;
        if (out.status !== 'pass') {
          const key = (out.reason ?? '').replace(/got .*/, 'wrong result').slice(0, 90);
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
          if (verbose) console.log(`  ${out.status.toUpperCase()} ${c.note}: ${out.reason}`);
        }
      }
    }
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += counts[k];
    console.log(
      `${dir.padEnd(40)} pass ${counts.pass}  fail ${counts.fail}  error ${counts.error}  no-builtin ${counts.nobuiltin}`,
    );
  }
  const all = totals.pass + totals.fail + totals.error + totals.nobuiltin;
  console.log(
    `TOTAL pass ${totals.pass}/${all}  fail ${totals.fail}  error ${totals.error}  no-builtin ${totals.nobuiltin} (interpreter lacks a builtin)`,
  );
  console.log('Top reasons:');
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${String(n).padStart(4)} ${r}`);
}

main();
