// `opa test --bench`: each passing test is evaluated again and again, Go-benchmark style (the
// iteration count grows until a run takes about a second), and reported as Go's testing package
// prints a BenchmarkResult. Memory is the wasm heap's (what the policy allocates, not V8's): after
// the timed loop one more evaluation is measured, its bytes and blocks taken from the heap, counted
// N times as Go's totals are (`B/op`, `allocs/op` under `--benchmem`, opa's default).
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
      evaluateJob(policy, job, printed);
      const mem = heapUse(policy);
      benchmarks[at] = {
        N: n,
        T: total,
        Bytes: 0,
        MemAllocs: mem.allocs * n,
        MemBytes: mem.bytes * n,
        Extra: { 'timer_rego_query_eval_ns/op': evalNs / n },
      };
    });
  }
  return { results: prepared.results, diagnostics: [], benchmarks };
}

/** The runtime's block header (malloc.c): a u32 size, padded to 8 bytes, before each block. */
const BLOCK_HEADER = 8;

/**
 * What the last evaluation took from the wasm heap: the SDK rewinds the heap to its `dataHeapPtr`
 * before each one (a test has no input to write there), and the runtime hands out blocks upwards
 * from it, each after a header holding its size, so the blocks up to the heap top are walked.
 * (Blocks reused from the runtime's free lists within the evaluation are not seen.)
 */
function heapUse(policy: ReturnType<typeof loadTestPolicy>): { bytes: number; allocs: number } {
  const sdk = policy.sdkPolicy as unknown as {
    dataHeapPtr?: number;
    mem: { buffer: ArrayBuffer };
    wasmInstance: { exports: { opa_heap_ptr_get?: () => number } };
  };
  const top = sdk.wasmInstance.exports.opa_heap_ptr_get?.();
  if (typeof sdk.dataHeapPtr !== 'number' || top === undefined) return { bytes: 0, allocs: 0 };
  const view = new DataView(sdk.mem.buffer);
  let allocs = 0;
  for (let p = (sdk.dataHeapPtr + 7) & ~7; p + BLOCK_HEADER <= top; allocs++)
    p += BLOCK_HEADER + view.getUint32(p, true);
  return { bytes: Math.max(0, top - sdk.dataHeapPtr), allocs };
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

/** Go's MemString: bytes and allocations per op, whole numbers. */
export function goMemLine(b: BenchmarkResult): string {
  const per = (x: number) => String(b.N > 0 ? Math.floor(x / b.N) : 0).padStart(8);
  return `${per(b.MemBytes)} B/op\t${per(b.MemAllocs)} allocs/op`;
}

/**
 * Pretty bench output as opa prints it: tests that did not pass under their `file:row:` with their
 * verdict, one benchmark line per passing test (with the memory columns under `--benchmem`), then
 * the dashes and the counts.
 */
export function formatBenchPretty(run: BenchRun, benchmem = true): string {
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
    if (r.outcome === 'pass' && b)
      out.push(`${r.package}.${r.name}\t${goBenchmarkLine(b)}${benchmem ? `\t${goMemLine(b)}` : ''}`);
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
