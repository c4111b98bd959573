// Runs conformance cases through the real `opa eval` (the pinned release from scripts/ensure-opa.sh),
// one process per case with the case's files, a few at a time, and judges each as OPA's runner for
// the suite does: the reference column of the side-by-side table in docs/conformance.md.
import { execFile } from 'node:child_process';
import { rowsOfEvalJson, writeCaseFiles } from './case-files.js';
import type { ConformanceCase } from './cases.js';
import { type EngineResult, judge } from './judge.js';
import type { CaseOutcome } from './run-case.js';
import type { Runner, Suite } from './suites.js';

export interface OpaRunOptions {
  /** The opa binary; for `target: 'wasm'` one built with its wasm engine (ensure-opa.sh --wasm). */
  opa: string;
  jobs: number;
  timeoutMs: number;
  onOutcome?: (index: number, outcome: CaseOutcome) => void;
}

interface OpaError {
  message?: string;
  code?: string;
  location?: { file?: string; row?: number; col?: number };
}

interface OpaErrorDoc {
  errors?: OpaError[];
}

/** An error as Go's topdown.Error.Error() renders it (`file:row: code: message`), which the runner matches. */
function errorText(e: OpaError): string {
  const text = e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? '');
  const at = e.location;
  if (!at) return text;
  return `${at.file ? `${at.file}:${at.row}` : `${at.row}:${at.col}`}: ${text}`;
}

/** The runner opa's own results are judged by: topdown for its default engine, else the suite's. */
export function opaRunner(suite: Suite): Runner {
  return suite.opaTarget === 'rego' ? 'topdown' : suite.ourRunner;
}

function evalArgs(tc: ConformanceCase, suite: Suite, caseArgs: string[]): string[] {
  const args = ['eval', '--format', 'json'];
  if (suite.opaTarget === 'wasm') args.push('--target', 'wasm');
  // OPA's topdown runner evaluates strict_error cases with strict builtin errors.
  else if (tc.strict_error) args.push('--strict-builtin-errors');
  return [...args, ...caseArgs];
}

/** Reads what `opa eval -f json` said: rows, an error (exit 2 with an errors document), or a crash. */
function resultOf(
  code: number | null,
  stdout: string,
  stderr: string,
  timedOut: boolean,
  ms: number,
): EngineResult {
  if (timedOut) return { kind: 'crash', reason: `timeout: no result after ${Math.round(ms)} ms` };
  let doc: OpaErrorDoc & { result?: unknown };
  try {
    doc = JSON.parse(stdout) as OpaErrorDoc;
  } catch {
    return {
      kind: 'crash',
      reason: `exit ${code}, no JSON on stdout: ${(stderr || stdout).trim().slice(0, 200)}`,
    };
  }
  if (doc.errors?.length) {
    const message = doc.errors.map(errorText).join('\n');
    if (/^panic:|goroutine \d+/m.test(stderr)) return { kind: 'crash', reason: `opa panicked: ${message}` };
    return { kind: 'error', message, code: doc.errors[0].code };
  }
  if (code !== 0) return { kind: 'crash', reason: `exit ${code}: ${stderr.trim().slice(0, 200)}` };
  return { kind: 'rows', rows: rowsOfEvalJson(stdout) };
}

function runOne(tc: ConformanceCase, suite: Suite, options: OpaRunOptions): Promise<CaseOutcome> {
  const started = performance.now();
  let files: ReturnType<typeof writeCaseFiles>;
  try {
    files = writeCaseFiles(tc, suite.modulePrefix);
  } catch (err) {
    return Promise.resolve(judge(tc, 'topdown', { kind: 'unsupported', reason: (err as Error).message }, 0));
  }
  return new Promise((resolve) => {
    execFile(
      options.opa,
      evalArgs(tc, suite, files.args),
      {
        cwd: files.dir,
        // Only the case's own variables: opa.runtime() reports the environment, which stays out of results.
        env: { ...tc.env },
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        files.cleanup();
        const ms = performance.now() - started;
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (e && typeof e.code === 'string')
          return resolve(judge(tc, 'topdown', { kind: 'crash', reason: `cannot run opa: ${e.message}` }, ms));
        const exit = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        const result = resultOf(exit, files.local(stdout), files.local(stderr), e?.killed === true, ms);
        resolve(judge(tc, opaRunner(suite), result, ms));
      },
    );
  });
}

/** Every case through `opa eval`, `jobs` processes at a time; outcomes in case order. */
export async function runThroughOpa(
  cases: ConformanceCase[],
  suite: Suite,
  options: OpaRunOptions,
): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = new Array(cases.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      outcomes[i] = await runOne(cases[i], suite, options);
      options.onOutcome?.(i, outcomes[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, lane));
  return outcomes;
}
