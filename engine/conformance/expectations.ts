// What a conformance case expects and how a result set is judged against it, following OPA's own wasm
// conformance run (rows compared as sets, `sort_bindings`, strict errors → empty result).
import type { RawCase } from './cases.js';

export type ResultRow = Record<string, unknown>;

export type Expectation =
  | { kind: 'result'; rows: ResultRow[]; sortBindings: boolean }
  | { kind: 'defined'; defined: boolean }
  /** An error OPA raises only in strict mode; wasm has none, so the case wants no error and `[]`. */
  | { kind: 'strict-error' }
  /** `eval_conflict_error`: evaluation must abort with a conflict message. */
  | { kind: 'conflict' }
  /** `rego_*_error`: compilation must fail with this code. */
  | { kind: 'compile-error'; code: string }
  /** Any other runtime error: evaluation must abort. */
  | { kind: 'eval-error'; code?: string };

export const CONFLICT_MESSAGES = ['var assignment conflict', 'object insert conflict'];

export function expectationOf(tc: RawCase): Expectation {
  const code = tc.want_error_code;
  const wantsError = code !== undefined || tc.want_error !== undefined;
  // `strict_error` alone (with want_result) only means OPA ran the case in strict mode.
  if (wantsError && tc.strict_error) return { kind: 'strict-error' };
  if (code === 'eval_conflict_error') return { kind: 'conflict' };
  if (code?.startsWith('rego_')) return { kind: 'compile-error', code };
  if (wantsError) return { kind: 'eval-error', code };
  if (tc.want_defined !== undefined) return { kind: 'defined', defined: tc.want_defined };
  return { kind: 'result', rows: tc.want_result ?? [], sortBindings: tc.sort_bindings === true };
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as ResultRow)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** With `sort_bindings`, array-valued bindings are compared as sets (OPA sorts them). */
function normaliseRow(row: ResultRow, sortBindings: boolean): string {
  if (!sortBindings || row === null || typeof row !== 'object') return canonical(row);
  const out: ResultRow = {};
  for (const [k, v] of Object.entries(row))
    out[k] = Array.isArray(v)
      ? v
          .map((e) => [canonical(e), e] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, e]) => e)
      : v;
  return canonical(out);
}

/** Whether two result sets hold the same rows, in any order. */
export function sameRows(got: ResultRow[], want: ResultRow[], sortBindings: boolean): boolean {
  const a = new Set(got.map((r) => normaliseRow(r, sortBindings)));
  const b = new Set(want.map((r) => normaliseRow(r, sortBindings)));
  return a.size === b.size && [...a].every((r) => b.has(r));
}

/** A short rendering of a value for failure reasons (exceptions file, reports). */
export function brief(value: unknown, max = 120): string {
  const text = canonical(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Judges a result set; returns undefined when it matches, else the reason it does not. */
export function judgeRows(exp: Expectation, rows: ResultRow[]): string | undefined {
  switch (exp.kind) {
    case 'result':
      return sameRows(rows, exp.rows, exp.sortBindings)
        ? undefined
        : `wrong result: got ${brief(rows)}, want ${brief(exp.rows)}`;
    case 'defined':
      return rows.length > 0 === exp.defined
        ? undefined
        : `want ${exp.defined ? 'defined' : 'undefined'}, got ${brief(rows)}`;
    case 'strict-error':
      return rows.length === 0 ? undefined : `want an empty result (strict error), got ${brief(rows)}`;
    case 'conflict':
      return `want eval_conflict_error, got ${brief(rows)}`;
    case 'compile-error':
      return `want ${exp.code}, but it compiled`;
    case 'eval-error':
      return `want ${exp.code ?? 'an evaluation error'}, got ${brief(rows)}`;
  }
}

/** Judges an evaluation that aborted with `message`; undefined when the case wanted exactly that. */
export function judgeEvalError(exp: Expectation, message: string): string | undefined {
  if (exp.kind === 'conflict') {
    return CONFLICT_MESSAGES.some((m) => message.includes(m))
      ? undefined
      : `want a conflict error, got: ${message.slice(0, 160)}`;
  }
  if (exp.kind === 'eval-error') return undefined;
  return `eval error: ${message.slice(0, 200)}`;
}
