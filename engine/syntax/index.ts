// Public entry of the Rego syntax stage: parse modules, queries and terms; print them back as Rego v1.
import type { Body, Module, Term } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { QueryParser } from './expr-parser.js';
import { ModuleParser } from './module-parser.js';

export * from './ast.js';
export * from './diagnostics.js';
export { printBody, printExpr, printModule, printRef, printTerm } from './printer.js';
export { stripLocations } from './strip.js';

/**
 * Parses a Rego v1 module. `module` is set only when there are no diagnostics; diagnostics are
 * `rego_parse_error`s (at most 10) with 1-based rows and code-point columns. Never throws.
 */
export function parseModule(
  source: string,
  file: string,
  options: { regoVersion?: 0 | 1 } = {},
): { module?: Module; diagnostics: Diagnostic[] } {
  const p = new ModuleParser(source, file);
  p.v0 = options.regoVersion === 0;
  const module = guard(p.diags, file, () => p.parseModule());
  return module ? { module, diagnostics: p.diags } : { diagnostics: p.diags };
}

/** Parses a query such as `data.test.p = x` or `x := 1; y := x + 1` (newline or `;` separated). */
export function parseQuery(source: string, file = 'query'): { body?: Body; diagnostics: Diagnostic[] } {
  const p = new QueryParser(source, file);
  const body = guard(p.diags, file, () => p.query());
  return body ? { body, diagnostics: p.diags } : { diagnostics: p.diags };
}

/** Parses exactly one term, e.g. an `input_term` value such as `{1, 2, {"a": set()}}`. */
export function parseTerm(source: string, file = 'term'): { term?: Term; diagnostics: Diagnostic[] } {
  const p = new QueryParser(source, file);
  const term = guard(p.diags, file, () => p.term());
  return term ? { term, diagnostics: p.diags } : { diagnostics: p.diags };
}

/**
 * Runs a parse, turning an internal failure (a bug, or input nested deeper than the JS stack allows)
 * into a diagnostic so that user input can never crash a caller.
 */
function guard<R>(diags: Diagnostic[], file: string, f: () => R | undefined): R | undefined {
  try {
    return f();
  } catch (err) {
    const reason =
      err instanceof RangeError
        ? 'max parsing recursion depth exceeded'
        : `internal parser error: ${String(err)}`;
    diags.push({ code: 'rego_parse_error', message: reason, location: { file, row: 1, col: 1 } });
    return undefined;
  }
}
