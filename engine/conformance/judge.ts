// Judges what a command-line run of a case gave (result rows or an error) against the case's
// expectations, the way the OPA runner written for the suite does (see Runner in suites.ts):
//   topdown   want_error: the error text contains it; want_error_code: the error has that code;
//             strict_error: the case runs with strict builtin errors; want_result: sets of rows
//             (sort_bindings sorts array bindings, ignore_generated_vars drops `__localq` vars).
//   wasm-e2e  as the SDK harness (expectations.ts): a strict error wants an empty result, a
//             conflict wants the conflict message, any other error code wants an error.
//   wasm-js   want_defined, want_result (rows as a set, no sorting), want_error: the text contains it.
import type { RawCase } from './cases.js';
import { brief, expectationOf, judgeEvalError, judgeRows, type ResultRow, sameRows } from './expectations.js';
import type { CaseOutcome, CaseStatus } from './run-case.js';
import type { Runner } from './suites.js';

/** What one engine gave for a case. */
export type EngineResult =
  | { kind: 'rows'; rows: ResultRow[] }
  | { kind: 'error'; message: string; code?: string }
  /** The engine broke (internal error, trap, stack trace, hang): never a pass. */
  | { kind: 'crash'; reason: string }
  /** The case cannot be given to this engine at all (e.g. an input term that is not JSON). */
  | { kind: 'unsupported'; reason: string };

const GENERATED = /^__localq/;

function dropGenerated(rows: ResultRow[]): ResultRow[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !GENERATED.test(k))));
}

function judgeTopdown(tc: RawCase, r: EngineResult): string | undefined {
  const wantsError = tc.want_error !== undefined || tc.want_error_code !== undefined;
  if (r.kind === 'error') {
    if (!wantsError) return `unexpected error: ${r.message.slice(0, 200)}`;
    if (tc.want_error !== undefined && !r.message.includes(tc.want_error))
      return `want error text ${JSON.stringify(tc.want_error)}, got: ${r.message.slice(0, 160)}`;
    if (tc.want_error_code !== undefined && r.code !== tc.want_error_code)
      return `want ${tc.want_error_code}, got ${r.code ?? 'an error without code'}: ${r.message.slice(0, 160)}`;
    return undefined;
  }
  if (r.kind !== 'rows') return r.reason;
  if (wantsError) return `want ${tc.want_error_code ?? 'an error'}, got ${brief(r.rows)}`;
  if (tc.want_result !== undefined) {
    const rows = tc.ignore_generated_vars ? dropGenerated(r.rows) : r.rows;
    return sameRows(rows, tc.want_result, tc.sort_bindings === true)
      ? undefined
      : `wrong result: got ${brief(rows)}, want ${brief(tc.want_result)}`;
  }
  if (tc.want_defined !== undefined)
    return r.rows.length > 0 === tc.want_defined
      ? undefined
      : `want defined=${tc.want_defined}, got ${brief(r.rows)}`;
  return 'the case states no expectation';
}

function judgeWasmJs(tc: RawCase, r: EngineResult): string | undefined {
  if (r.kind === 'error') {
    if (tc.want_error === undefined) return `unexpected error: ${r.message.slice(0, 200)}`;
    return r.message.includes(tc.want_error)
      ? undefined
      : `want error text ${JSON.stringify(tc.want_error)}, got: ${r.message.slice(0, 160)}`;
  }
  if (r.kind !== 'rows') return r.reason;
  if (tc.want_error !== undefined) return `want error ${JSON.stringify(tc.want_error)}, got ${brief(r.rows)}`;
  if (tc.want_defined !== undefined)
    return r.rows.length > 0 === tc.want_defined
      ? undefined
      : `want defined=${tc.want_defined}, got ${brief(r.rows)}`;
  if (tc.want_result !== undefined)
    return sameRows(r.rows, tc.want_result, false)
      ? undefined
      : `wrong result: got ${brief(r.rows)}, want ${brief(tc.want_result)}`;
  return 'the case states no expectation';
}

function judgeWasmE2e(tc: RawCase, r: EngineResult): string | undefined {
  const exp = expectationOf(tc);
  if (r.kind === 'error') {
    if (exp.kind === 'compile-error')
      return r.code === exp.code ? undefined : `want ${exp.code}, got: ${r.message.slice(0, 160)}`;
    return judgeEvalError(exp, r.message);
  }
  if (r.kind !== 'rows') return r.reason;
  return judgeRows(exp, r.rows);
}

/** The outcome of a case: passed, or why not (crashes and unsupported cases keep their status). */
export function judge(tc: RawCase, runner: Runner, r: EngineResult, ms: number): CaseOutcome {
  const outcome = (status: CaseStatus, reason?: string): CaseOutcome => ({ status, reason, ms });
  if (r.kind === 'crash') return outcome('crashed', r.reason);
  if (r.kind === 'unsupported') return outcome('unsupported', r.reason);
  const reason =
    runner === 'topdown'
      ? judgeTopdown(tc, r)
      : runner === 'wasm-js'
        ? judgeWasmJs(tc, r)
        : judgeWasmE2e(tc, r);
  return reason ? outcome('failed', reason) : outcome('passed');
}
