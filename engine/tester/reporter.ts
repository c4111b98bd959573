// Prints test runs the way `opa test` (v1.22) does (pretty and --format=json), so users and CI see
// familiar output. Failure traces are not reproduced: our tests run as wasm, which keeps no trace.
import type { SubResult, TestResult, TestRun } from './runner.js';

const DASHES = '-'.repeat(80);

/** Go's time.Duration.String() for non-negative values: 512ns, 1.417µs, 12.5ms, 1.2s. */
export function goDuration(ns: number): string {
  if (ns < 1_000) return `${Math.round(ns)}ns`;
  const trim = (v: number, digits: number) => v.toFixed(digits).replace(/\.?0+$/, '');
  if (ns < 1_000_000) return `${trim(ns / 1_000, 3)}µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000, 6)}ms`;
  return `${trim(ns / 1_000_000_000, 9)}s`;
}

const LABEL: Record<TestResult['outcome'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  skip: 'SKIPPED',
};

function line(r: TestResult): string {
  const head = `${r.package}.${r.name}: ${LABEL[r.outcome]}`;
  return r.outcome === 'skip' ? head : `${head} (${goDuration(r.durationNs)})`;
}

/** Sub-results indented by depth; only failing ones unless verbose. */
function subLines(sub: Map<string, SubResult> | undefined, verbose: boolean, depth = 1): string[] {
  const out: string[] = [];
  for (const s of sub?.values() ?? []) {
    if (!verbose && !s.fail) continue;
    out.push(`${'  '.repeat(depth)}${s.name}: ${s.fail ? 'FAIL' : 'PASS'}`);
    out.push(...subLines(s.sub, verbose, depth + 1));
  }
  return out;
}

/** Leaf outcomes: a parametrised test counts once per key, any other test once. */
function leaves(r: TestResult): TestResult['outcome'][] {
  if (!r.sub || r.sub.size === 0) return [r.outcome];
  const out: TestResult['outcome'][] = [];
  const walk = (m: Map<string, SubResult>) => {
    for (const s of m.values()) {
      if (s.sub && s.sub.size > 0) walk(s.sub);
      else out.push(s.fail ? 'fail' : 'pass');
    }
  };
  walk(r.sub);
  return out;
}

/**
 * Pretty output: each shown test (failing ones; all with `verbose`) under its `file:row:`, with
 * its sub-results and its print() output, then (verbose) the failures, then the counts.
 */
export function formatPretty(run: TestRun, verbose: boolean): string {
  const out: string[] = [];
  const shown = run.results.filter((r) => verbose || r.outcome !== 'pass');
  let file: string | undefined;
  for (const r of shown) {
    if (file !== undefined && r.location.file !== file) out.push('');
    file = r.location.file;
    out.push(`${r.location.file}:${r.location.row}:`, line(r));
    if (r.outcome === 'error' && r.error) out.push(`  ${r.error}`);
    out.push(...subLines(r.sub, verbose));
    if (r.output)
      out.push(
        '',
        ...r.output
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `  ${l}`),
        '',
      );
  }
  const failures = run.results.filter((r) => r.outcome === 'fail');
  if (verbose && failures.length > 0) {
    out.push(DASHES, 'FAILURES', DASHES);
    for (const r of failures) {
      out.push(line(r), '');
      const subs = subLines(r.sub, false);
      if (subs.length > 0) out.push(...subs, '');
    }
  }
  const all = run.results.flatMap(leaves);
  if (all.length === 0) return out.length > 0 ? `${out.join('\n')}\n` : '';
  // Like opa, the rule above the summary only separates it from results printed above.
  if (out.length > 0) out.push(DASHES);
  for (const o of ['pass', 'fail', 'skip', 'error'] as const) {
    const n = all.filter((x) => x === o).length;
    if (n > 0) out.push(`${LABEL[o]}: ${n}/${all.length}`);
  }
  return `${out.join('\n')}\n`;
}

function subJson(sub: Map<string, SubResult>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of sub)
    out[k] = {
      name: s.name,
      ...(s.fail ? { fail: true } : {}),
      ...(s.sub ? { sub_results: subJson(s.sub) } : {}),
    };
  return out;
}

/** The error's code when the message starts with one (`eval_conflict_error: ...`). */
function errorJson(message: string): { code: string; message: string } {
  const m = /^(?:policy evaluation failed: )?(?:[^\s:]+:\d+(?::\d+)?: )?([a-z_]+_error): ([\s\S]*)$/.exec(
    message,
  );
  return m ? { code: m[1], message: m[2] } : { code: 'eval_error', message };
}

/** `opa test --format=json`: an indented array of results, fields in opa's order. */
export function formatJson(run: TestRun): string {
  const items = run.results.map((r) => ({
    location: { file: r.location.file, row: r.location.row, col: r.location.col },
    package: r.package,
    name: r.name,
    ...(r.outcome === 'fail' ? { fail: true } : {}),
    ...(r.outcome === 'error' ? { error: errorJson(r.error ?? '') } : {}),
    ...(r.outcome === 'skip' ? { skip: true } : {}),
    duration: r.durationNs,
    ...(r.output ? { output: Buffer.from(r.output).toString('base64') } : {}),
    ...(r.sub && r.sub.size > 0 ? { sub_results: subJson(r.sub) } : {}),
  }));
  return `${JSON.stringify(items, null, 2)}\n`;
}

export interface ExitOptions {
  /** `-z`: skipped (todo_) tests do not make the run fail. */
  exitZeroOnSkipped?: boolean;
  /** `--fail-on-empty`: a run without tests fails. */
  failOnEmpty?: boolean;
}

/**
 * `opa test`'s exit codes: 1 for load/compile problems (and an empty run with failOnEmpty), 2 when
 * a test failed or errored, or was skipped (unless exitZeroOnSkipped), else 0.
 */
export function exitCode(run: TestRun, options: ExitOptions = {}): number {
  if (run.diagnostics.length > 0) return 1;
  if (options.failOnEmpty && run.results.length === 0) return 1;
  if (run.results.some((r) => r.outcome === 'fail' || r.outcome === 'error')) return 2;
  if (!options.exitZeroOnSkipped && run.results.some((r) => r.outcome === 'skip')) return 2;
  return 0;
}
