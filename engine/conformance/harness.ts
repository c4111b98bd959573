// The conformance harness as a function: load the suite, run every selected case in the worker pool,
// and return per-case results with a summary. run.ts is the command-line wrapper around it.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type ConformanceCase, filterCases, loadCases } from './cases.js';
import type { CaseResult, Exceptions } from './exceptions.js';
import { type CliMode, runInPool } from './pool.js';
import { type Summary, summarize } from './report.js';
import type { CaseOutcome } from './run-case.js';
import { findConformanceCases } from './suite-dir.js';

/**
 * The suite shipped next to the repository (see ../shared/rego-conformance/README.md); where it is
 * found is in suite-dir.ts. When absent, this names where it was expected, so loading says so.
 */
export const DEFAULT_CASES_DIR =
  findConformanceCases() ?? fileURLToPath(new URL('../../../shared/rego-conformance/v1', import.meta.url));

export interface HarnessOptions {
  casesDir?: string;
  /** The cases themselves (a suite's own loader); overrides casesDir. */
  cases?: ConformanceCase[];
  /** Through `semamesh eval` instead of the engine API. */
  cli?: CliMode;
  /** Regular expression over topic and case id. */
  filter?: string;
  /** CI mode: short per-case timeout and an overall budget. */
  fast?: boolean;
  jobs?: number;
  timeoutMs?: number;
  budgetMs?: number;
  exceptions?: Exceptions;
  onOutcome?: (c: ConformanceCase, outcome: CaseOutcome, done: number, total: number) => void;
}

export interface HarnessRun {
  cases: ConformanceCase[];
  results: CaseResult[];
  summary: Summary;
}

export function harnessDefaults(fast: boolean): { jobs: number; timeoutMs: number; budgetMs?: number } {
  const jobs = Math.max(2, Math.min(availableParallelism(), 8));
  return fast ? { jobs, timeoutMs: 2_000, budgetMs: 200_000 } : { jobs, timeoutMs: 20_000 };
}

export async function runConformance(options: HarnessOptions = {}): Promise<HarnessRun> {
  const started = performance.now();
  const defaults = harnessDefaults(options.fast === true);
  const cases = filterCases(
    options.cases ?? loadCases(options.casesDir ?? DEFAULT_CASES_DIR),
    options.filter,
  );
  let done = 0;
  const outcomes = await runInPool(cases, {
    jobs: options.jobs ?? defaults.jobs,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    budgetMs: options.budgetMs ?? defaults.budgetMs,
    cli: options.cli,
    onOutcome: (i, outcome) => options.onOutcome?.(cases[i], outcome, ++done, cases.length),
  });
  const results = cases.map((c, i) => ({ id: c.id, topic: c.topic, outcome: outcomes[i] }));
  const summary = summarize(results, options.exceptions ?? new Map(), performance.now() - started);
  return { cases, results, summary };
}
