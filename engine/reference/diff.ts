// Runs the same policies through our engine and the real opa, and normalises both outputs so a
// differential test can compare them (durations and trace output are left out).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type SourceFile } from '../compiler.js';
import { loadPolicySync } from '../policy.js';
import { runOpa } from './opa.js';

/** One `opa test --format json` entry without its duration and captured output. */
export interface TestOutcome {
  file: string;
  row: number;
  col: number;
  package: string;
  name: string;
  fail?: boolean;
  skip?: boolean;
  error?: boolean;
  sub?: Record<string, unknown>;
}

interface JsonTestResult {
  location: { file: string; row: number; col: number };
  package: string;
  name: string;
  fail?: boolean;
  skip?: boolean;
  error?: unknown;
  sub_results?: Record<string, unknown>;
}

/** Sub results without durations: `{key: {fail?, sub?}}`. */
function subOutcomes(sub: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!sub) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sub)) {
    const r = v as JsonTestResult;
    out[k] = {
      ...(r.fail ? { fail: true } : {}),
      ...(r.sub_results ? { sub: subOutcomes(r.sub_results) } : {}),
    };
  }
  return out;
}

/** Parses `opa test --format json` output (ours or opa's) into outcomes sorted by location. */
export function testOutcomes(json: string): TestOutcome[] {
  const items = JSON.parse(json) as JsonTestResult[];
  return items
    .map((r) => ({
      file: r.location.file,
      row: r.location.row,
      col: r.location.col,
      package: r.package,
      name: r.name,
      ...(r.fail ? { fail: true } : {}),
      ...(r.skip ? { skip: true } : {}),
      ...(r.error ? { error: true } : {}),
      ...(r.sub_results ? { sub: subOutcomes(r.sub_results) } : {}),
    }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.row - b.row || a.col - b.col);
}

/** `opa test --format json <paths>` with extra flags; returns the exit status and the outcomes. */
export function opaTest(paths: string[], flags: string[] = []): { status: number; outcomes: TestOutcome[] } {
  const r = runOpa(['test', '--format', 'json', ...flags, ...paths]);
  if (r.stdout.trim() === '') throw new Error(`opa test printed nothing (status ${r.status}): ${r.stderr}`);
  return { status: r.status, outcomes: testOutcomes(r.stdout) };
}

/** The value of `query` from `opa eval`, as a list of result rows of expression values. */
export function opaEvalValues(
  paths: string[],
  query: string,
  input?: unknown,
  flags: string[] = [],
): unknown[] | { error: string } {
  const args = ['eval', '--format', 'json', ...flags, ...paths.flatMap((p) => ['-d', p]), query];
  if (input !== undefined) args.push('--stdin-input');
  const r = runOpa(args, { input: input === undefined ? undefined : JSON.stringify(input) });
  if (r.status !== 0) return { error: r.stderr || r.stdout };
  const out = JSON.parse(r.stdout) as { result?: { expressions: { value: unknown }[] }[] };
  return (out.result ?? []).map((row) => row.expressions[0]?.value);
}

/** The value of a single-term query (`data.x.p`) from our engine: the rows' values. */
export function ourEvalValues(
  modules: SourceFile[],
  data: Record<string, unknown>,
  query: string,
  input?: unknown,
  regoVersion?: 0 | 1,
): unknown[] | { error: string } {
  const c = compile({ modules, query: `__value__ = ${query}`, regoVersion });
  if (!c.wasm) return { error: c.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n') };
  const policy = loadPolicySync(c.wasm);
  if (Object.keys(data).length > 0) policy.setData(data);
  try {
    return policy.evaluate(input).map((row) => row.__value__);
  } catch (err) {
    return { error: String(err) };
  }
}

/** `opa eval` over in-memory modules and data (written to a temporary folder). */
export function opaEvalSources(
  modules: SourceFile[],
  data: Record<string, unknown>,
  query: string,
  input?: unknown,
): unknown[] | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-opa-'));
  try {
    const paths: string[] = [];
    modules.forEach((m, i) => {
      const p = join(dir, `m${i}.rego`);
      writeFileSync(p, m.source);
      paths.push(p);
    });
    if (Object.keys(data).length > 0) {
      const p = join(dir, 'data.json');
      writeFileSync(p, JSON.stringify(data));
      paths.push(p);
    }
    return opaEvalValues(paths, query, input);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
