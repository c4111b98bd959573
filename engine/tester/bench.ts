// `opa test --bench`: each passing test is evaluated again and again, Go-benchmark style (the
// iteration count grows until a run takes about a second), and reported as Go's testing package
// prints a BenchmarkResult. Memory figures are not measured (V8 keeps no per-call allocation
// counters), so only the time columns are printed and the JSON's memory fields stay 0.
import { goDuration } from './reporter.js';
import { evaluateJob, loadTestPolicy, prepareTests, type RunOptions, type TestRun } from './runner.js';

/** `testing.BenchmarkResult` as opa's `--format json` writes it. */
export interface BenchmarkResult {
  N: number;
  T: number;
  Bytes: number;
  MemAllocs: number;
  MemBytes: number;
  Extra: Record<string, number> | null;
}

export type BenchRun = TestRun & { benchmarks: (BenchmarkResult | undefined)[] };

/** Go's default -benchtime, which opa uses. */
const GOAL_NS = 1_000_000_000;
const MAX_N = 1_000_000_000;

/** Go's predictN: aim for the goal from the last run, grow at most 100x, by at least one. */
function nextN(goalNs: number, prevN: number, prevNs: number): number {
  const predicted = prevNs <= 0 ? prevN * 100 : Math.floor((goalNs * prevN) / prevNs);
  const grown = Math.min(Math.floor(predicted * 1.2), prevN * 100);
  return Math.min(Math.max(grown, prevN + 1), MAX_N);
}

/** Runs the tests once, then benchmarks each one that passed (`goalNs`: time per benchmark). */
export function benchTests(options: RunOptions, goalNs = GOAL_NS): BenchRun {
  const prepared = prepareTests(options);
  const benchmarks: (BenchmarkResult | undefined)[] = prepared.results.map(() => undefined);
  if (prepared.diagnostics.length > 0)
    return { results: [], diagnostics: prepared.diagnostics, benchmarks: [] };
  if (prepared.wasm) {
    const printed: string[] = [];
    const policy = loadTestPolicy(prepared.wasm, prepared.data, printed);
    prepared.jobs.forEach((job, i) => {
      const at = prepared.jobResults[i];
      const first = evaluateJob(policy, job, printed);
      Object.assign(prepared.results[at], first);
      if (first.outcome !== 'pass') return;
      let n = 1;
      let total = 0;
      let evalNs = 0;
      for (;;) {
        evalNs = 0;
        const start = process.hrtime.bigint();
        for (let k = 0; k < n; k++) evalNs += evaluateJob(policy, job, printed).durationNs;
        total = Number(process.hrtime.bigint() - start);
        if (total >= goalNs || n >= MAX_N) break;
        n = nextN(goalNs, n, total);
      }
      prepared.results[at].durationNs = total;
      benchmarks[at] = {
        N: n,
        T: total,
        Bytes: 0,
        MemAllocs: 0,
        MemBytes: 0,
        Extra: { 'timer_rego_query_eval_ns/op': evalNs / n },
      };
    });
  }
  return { results: prepared.results, diagnostics: [], benchmarks };
}

/** Go's prettyPrint: the value's width and precision depend on its size. */
function goMetric(x: number, unit: string): string {
  const y = Math.abs(x);
  const [width, digits] =
    y === 0 || y >= 999.95
      ? [10, 0]
      : y >= 99.995
        ? [12, 1]
        : y >= 9.9995
          ? [13, 2]
          : y >= 0.99995
            ? [14, 3]
            : y >= 0.099995
              ? [15, 4]
              : y >= 0.0099995
                ? [16, 5]
                : y >= 0.00099995
                  ? [17, 6]
                  : [18, 7];
  return `${x.toFixed(digits).padStart(width)} ${unit}`;
}

/** A BenchmarkResult as Go's String() prints it: N, ns/op, then the extra metrics by name. */
export function goBenchmarkLine(b: BenchmarkResult): string {
  const parts = [String(b.N).padStart(8)];
  if (b.N > 0 && b.T > 0) parts.push(goMetric(b.T / b.N, 'ns/op'));
  for (const k of Object.keys(b.Extra ?? {}).sort()) parts.push(goMetric(b.Extra![k], k));
  return parts.join('\t');
}

/**
 * Pretty bench output as opa prints it: tests that did not pass under their `file:row:` with their
 * verdict, one benchmark line per passing test, then the dashes and the counts.
 */
export function formatBenchPretty(run: BenchRun): string {
  const out: string[] = [];
  const failing = run.results.filter((r) => r.outcome !== 'pass');
  // As opa's bench reporter does, a skipped (todo_) test is shown as FAIL, without a duration.
  for (const r of failing) {
    out.push(`${r.location.file}:${r.location.row}:`);
    const label = r.outcome === 'error' ? 'ERROR' : 'FAIL';
    out.push(
      `${r.package}.${r.name}: ${label}${r.outcome === 'skip' ? '' : ` (${goDuration(r.durationNs)})`}`,
    );
    if (r.outcome === 'error' && r.error) out.push(`  ${r.error}`);
  }
  run.results.forEach((r, i) => {
    const b = run.benchmarks[i];
    if (r.outcome === 'pass' && b) out.push(`${r.package}.${r.name}\t${goBenchmarkLine(b)}`);
  });
  if (run.results.length === 0) return out.length > 0 ? `${out.join('\n')}\n` : '';
  out.push('-'.repeat(80));
  const total = run.results.length;
  for (const [o, label] of [
    ['pass', 'PASS'],
    ['fail', 'FAIL'],
    ['skip', 'SKIPPED'],
    ['error', 'ERROR'],
  ] as const) {
    const n = run.results.filter((r) => r.outcome === o).length;
    if (n > 0) out.push(`${label}: ${n}/${total}`);
  }
  return `${out.join('\n')}\n`;
}

/** `opa test --bench --format json`: the test document with each test's `benchmark_result`. */
export function benchJson(run: BenchRun, testJson: string): string {
  const items = JSON.parse(testJson) as Record<string, unknown>[];
  // opa marks a skipped test `fail` too in a bench run, and gives a test that did not pass an
  // empty benchmark.
  const empty: BenchmarkResult = { N: 0, T: 0, Bytes: 0, MemAllocs: 0, MemBytes: 0, Extra: null };
  const out = items.map((item, i) => {
    const { skip, duration, output, sub_results, ...head } = item;
    return {
      ...head,
      ...(skip ? { fail: true, skip } : {}),
      duration,
      ...(output ? { output } : {}),
      ...(sub_results ? { sub_results } : {}),
      benchmark_result: run.benchmarks[i] ?? empty,
    };
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}
