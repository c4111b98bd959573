// Prints test runs the way `opa test` does (pretty and --format=json), so users and CI see familiar output.
import type { TestResult, TestRun } from './runner.js';

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

/** Pretty output: failing tests (all with `verbose`) grouped under their file, then the counts. */
export function formatPretty(run: TestRun, verbose: boolean): string {
  const out: string[] = [];
  const shown = run.results.filter((r) => verbose || r.outcome !== 'pass');
  let file = '';
  for (const r of shown) {
    if (r.location.file !== file) {
      if (file !== '') out.push('');
      file = r.location.file;
      out.push(`${file}:`);
    }
    out.push(line(r));
    if (r.outcome === 'error' && r.error) out.push(`  ${r.location.file}:${r.location.row}: ${r.error}`);
  }
  const failures = run.results.filter((r) => r.outcome === 'fail');
  if (failures.length > 0) {
    out.push('', 'FAILURES', DASHES);
    for (const r of failures)
      out.push(`${r.package}.${r.name}: FAIL`, `  at ${r.location.file}:${r.location.row}:${r.location.col}`);
  }
  const total = run.results.length;
  const count = (o: TestResult['outcome']) => run.results.filter((r) => r.outcome === o).length;
  out.push(DASHES);
  for (const o of ['pass', 'fail', 'skip', 'error'] as const) {
    const n = count(o);
    if (n > 0) out.push(`${LABEL[o]}: ${n}/${total}`);
  }
  if (total === 0) out.push('no tests found');
  return `${out.join('\n').replace(/^\n+/, '')}\n`;
}

/** `opa test --format=json`: an indented array of results. */
export function formatJson(run: TestRun): string {
  const items = run.results.map((r) => ({
    location: { file: r.location.file, row: r.location.row, col: r.location.col },
    package: r.package,
    name: r.name,
    ...(r.outcome === 'fail' ? { fail: true } : {}),
    ...(r.outcome === 'error' ? { error: { code: 'eval_error', message: r.error ?? '' } } : {}),
    ...(r.outcome === 'skip' ? { skip: true } : {}),
    duration: r.durationNs,
  }));
  return `${JSON.stringify(items, null, 2)}\n`;
}

/** 0 when every test passed (or was skipped), 2 when one failed or errored — `opa test`'s codes. */
export function exitCode(run: TestRun): number {
  if (run.diagnostics.length > 0) return 1;
  return run.results.some((r) => r.outcome === 'fail' || r.outcome === 'error') ? 2 : 0;
}
