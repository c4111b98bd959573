// `semamesh test --timeout`: evaluates the compiled tests in a worker thread, so a test that runs
// past the limit can be stopped (wasm evaluation cannot be interrupted in place). A stopped test is
// an ERROR with opa's eval_cancel_error code; the run goes on with the next test in a new worker.
import { Worker } from 'node:worker_threads';
import { goDuration } from './reporter.js';
import { finishRun, prepareTests, type RunOptions, type TestRun } from './runner.js';
import type { TestWorkerReply, TestWorkerRequest } from './worker.js';

/** Under tsx the worker registers tsx's loader before importing the `.ts` entry (as conformance/pool.ts). */
function bootstrap(): string {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url)
    .href;
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)});`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

/** Parses a Go duration (`5s`, `100ms`, `1m30s`); 0 or empty means no limit. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '') return 0;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  let ms = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    ms += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return ms;
}

/** Runs the tests with a per-test time limit in milliseconds. */
export async function runTestsWithTimeout(options: RunOptions, timeoutMs: number): Promise<TestRun> {
  const prepared = prepareTests(options);
  if (prepared.diagnostics.length > 0) return { results: [], diagnostics: prepared.diagnostics };
  const { wasm, jobs, results, jobResults } = prepared;
  if (!wasm || jobs.length === 0) return finishRun(prepared, options, new Set());
  const code = bootstrap();
  const reached = new Set<string>();
  let next = 0;
  while (next < jobs.length) {
    next = await new Promise<number>((resolve) => {
      const worker = new Worker(code, { eval: true });
      let current = next;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const stop = (error: string, durationNs: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        Object.assign(results[jobResults[current]], { outcome: 'error', error, durationNs });
        void worker.terminate();
        resolve(current + 1);
      };
      worker.on('message', (m: TestWorkerReply) => {
        if (m.kind === 'start') {
          current = m.index;
          timer = setTimeout(
            () =>
              stop(`eval_cancel_error: test timed out after ${goDuration(timeoutMs * 1e6)}`, timeoutMs * 1e6),
            timeoutMs,
          );
          return;
        }
        clearTimeout(timer);
        Object.assign(results[jobResults[m.index]], m.outcome);
        for (const k of m.reached) reached.add(k);
        if (m.index === jobs.length - 1) {
          settled = true;
          void worker.terminate();
          resolve(jobs.length);
        }
      });
      worker.on('error', (err) => stop(`eval_internal_error: test worker failed: ${err.message}`, 0));
      worker.on('exit', () => stop('eval_internal_error: test worker exited', 0));
      worker.postMessage({ wasm, data: prepared.data, jobs, from: next } satisfies TestWorkerRequest);
    });
  }
  return finishRun(prepared, options, reached);
}
