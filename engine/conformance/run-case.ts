// Runs one conformance case through the whole engine — compile in query mode, load into the SDK,
// set data, evaluate — and classifies the outcome. Runs inside a harness worker; never throws.
import { compile, type Diagnostic, formatDiagnostic, loadPolicySync } from '../index.js';
import { describe, type EnginePolicy } from '../policy.js';
import type { Term } from '../syntax/ast.js';
import { parseTerm } from '../syntax/index.js';
import type { RawCase } from './cases.js';
import {
  type Expectation,
  expectationOf,
  judgeEvalError,
  judgeRows,
  type ResultRow,
} from './expectations.js';

export type CaseStatus = 'passed' | 'failed' | 'unsupported' | 'crashed';

export interface CaseOutcome {
  status: CaseStatus;
  /** Why the case did not pass (one line). */
  reason?: string;
  /** Wall time of compile + load + eval, in milliseconds. */
  ms: number;
  compileMs?: number;
}

export interface CaseInput extends RawCase {
  hasInput: boolean;
}

/** The SDK's own builtins plus names our host implements are not "missing"; the rest are. */
const NOT_IMPLEMENTED = /not implemented: built-in function \d+: (\S+)/;
/** An undefined dotted function (`units.parse`) in a suite written for OPA is a builtin we lack. */
const UNDEFINED_FUNCTION = /undefined function:? ([\w.]+)/;

/** A Rego term as JSON text, when it is plain JSON (no sets, no non-string keys, no refs). */
export function termToJson(t: Term): string | undefined {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.value;
    case 'string':
      return JSON.stringify(t.value);
    case 'array': {
      const items = t.value.map(termToJson);
      return items.every((i) => i !== undefined) ? `[${items.join(',')}]` : undefined;
    }
    case 'object': {
      const parts: string[] = [];
      for (const [k, v] of t.value) {
        const value = termToJson(v);
        if (k.type !== 'string' || value === undefined) return undefined;
        parts.push(`${JSON.stringify(k.value)}:${value}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** `input_term` as input text: JSON when it converts, else the raw Rego text for the runtime's parser. */
function inputTermText(text: string): string {
  try {
    const { term } = parseTerm(text, '<input_term>');
    return (term && termToJson(term)) ?? text;
  } catch {
    return text;
  }
}

function unsupportedBuiltin(diagnostics: Diagnostic[]): string | undefined {
  for (const d of diagnostics) {
    const m = UNDEFINED_FUNCTION.exec(d.message);
    if (m?.[1].includes('.') && !m[1].startsWith('data.')) return m[1];
  }
  return undefined;
}

function evaluate(policy: EnginePolicy, tc: CaseInput): ResultRow[] {
  if (tc.input_term !== undefined) return policy.evaluateText(inputTermText(tc.input_term));
  return policy.evaluate(tc.hasInput ? tc.input : undefined);
}

/**
 * A trap inside the wasm instance (RuntimeError: unreachable, out-of-bounds access) or a stack
 * overflow (RangeError) — generated code that broke — as opposed to an abort the policy raised.
 */
function isTrap(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && (cause.constructor.name === 'RuntimeError' || cause instanceof RangeError);
}

/** Stages that catch their own bugs report them as diagnostics; those are crashes all the same. */
const INTERNAL = /internal (\w+ )?error/i;

export function runCase(tc: CaseInput): CaseOutcome {
  const started = performance.now();
  const done = (status: CaseStatus, reason?: string, compileMs?: number): CaseOutcome => ({
    status,
    reason,
    ms: performance.now() - started,
    compileMs,
  });
  const exp: Expectation = expectationOf(tc);
  const compiled = compile({
    modules: (tc.modules ?? []).map((source, i) => ({ file: `module-${i}.rego`, source })),
    query: tc.query,
  });
  const compileMs = compiled.timings.total;
  if (compiled.internalError) {
    const { stage, message } = compiled.internalError;
    return done('crashed', `internal error in the ${stage} stage: ${message.slice(0, 200)}`, compileMs);
  }
  const internal = compiled.diagnostics.find((d) => INTERNAL.test(d.message));
  if (internal) return done('crashed', formatDiagnostic(internal).slice(0, 200), compileMs);
  if (compiled.diagnostics.length > 0) {
    const codes = compiled.diagnostics.map((d) => d.code as string);
    if (exp.kind === 'compile-error' && codes.includes(exp.code)) return done('passed', undefined, compileMs);
    const builtin = unsupportedBuiltin(compiled.diagnostics);
    if (builtin) return done('unsupported', `builtin ${builtin} is not supported`, compileMs);
    return done('failed', `compile: ${formatDiagnostic(compiled.diagnostics[0]).slice(0, 200)}`, compileMs);
  }
  if (exp.kind === 'compile-error') return done('failed', `want ${exp.code}, but it compiled`, compileMs);
  if (!compiled.wasm)
    return done('crashed', 'the compiler returned neither wasm nor a diagnostic', compileMs);

  let policy: EnginePolicy;
  try {
    policy = loadPolicySync(compiled.wasm);
  } catch (err) {
    return done('failed', `load: ${describe(err).slice(0, 200)}`, compileMs);
  }
  if (policy.missingBuiltins.length > 0)
    return done('unsupported', `needs host builtin ${policy.missingBuiltins.join(', ')}`, compileMs);
  let rows: ResultRow[];
  try {
    if (tc.data !== undefined) policy.setData(tc.data);
    rows = evaluate(policy, tc);
  } catch (err) {
    const message = describe(err);
    const missing = NOT_IMPLEMENTED.exec(message);
    if (missing) return done('unsupported', `needs host builtin ${missing[1]}`, compileMs);
    if (isTrap(err)) return done('crashed', `wasm trap: ${message.slice(0, 200)}`, compileMs);
    const reason = judgeEvalError(exp, message);
    return done(reason ? 'failed' : 'passed', reason, compileMs);
  }
  const reason = judgeRows(exp, rows);
  return done(reason ? 'failed' : 'passed', reason, compileMs);
}
