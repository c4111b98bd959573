// Writes a conformance case out as a user would hand it to `opa eval` / `semamesh eval`: one file per
// module (named as OPA's runner for the suite names them), data.json, input.json; and the arguments
// that load them. Both command lines get exactly the same files and arguments.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTerm } from '../syntax/index.js';
import type { RawCase } from './cases.js';
import { termToJson } from './run-case.js';

export interface CaseFiles {
  dir: string;
  /** `-d <module>…`, `-d data.json`, `-i input.json` (absolute paths) and the query, after the subcommand's own flags. */
  args: string[];
  cleanup: () => void;
  /** The text with this case's folder taken out of paths, so messages name `module0.rego:3:1` as OPA's runners do. */
  local: (text: string) => string;
}

let counter = 0;

/** The case's input as JSON text, or undefined when it has none; throws when it is not JSON. */
function inputText(tc: RawCase & { hasInput: boolean }): string | undefined {
  if (tc.input_term !== undefined) {
    const { term } = parseTerm(tc.input_term, '<input_term>');
    const json = term && termToJson(term);
    if (json === undefined)
      throw new Error(
        `input_term ${tc.input_term.slice(0, 60)} is not JSON, and a CLI takes input only as JSON or YAML`,
      );
    return json;
  }
  return tc.hasInput ? JSON.stringify(tc.input ?? null) : undefined;
}

/** Writes the case's files under a fresh folder; throws (with the reason) when a CLI cannot take it. */
/** The folder this process writes its cases under (worker threads share the process id). */
export const CASES_ROOT = join(tmpdir(), `semamesh-conformance-${process.pid}`);

export function writeCaseFiles(
  tc: RawCase & { hasInput: boolean },
  modulePrefix: string,
  root = CASES_ROOT,
): CaseFiles {
  const input = inputText(tc);
  const dir = join(root, `${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  const args: string[] = [];
  (tc.modules ?? []).forEach((source, i) => {
    const name = `${modulePrefix}${i}.rego`;
    writeFileSync(join(dir, name), source);
    args.push('-d', join(dir, name));
  });
  // OPA's runner makes an empty store of `data: {}` and `data: null`, the same as no data: no file
  // then (a data file holding `{}` is a separate matter for the CLI's own tests).
  if (tc.data && Object.keys(tc.data).length > 0) {
    writeFileSync(join(dir, 'data.json'), JSON.stringify(tc.data));
    args.push('-d', join(dir, 'data.json'));
  }
  if (input !== undefined) {
    writeFileSync(join(dir, 'input.json'), input);
    args.push('-i', join(dir, 'input.json'));
  }
  // `--` so a query that starts with `-` is not read as a flag.
  args.push('--', tc.query);
  return {
    dir,
    args,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    local: (text) => text.split(`${dir}/`).join(''),
  };
}

interface EvalJson {
  result?: { expressions?: { value?: unknown }[]; bindings?: Record<string, unknown> }[];
}

/**
 * The query's result set from `eval -f json` output: one binding object per result (`{}` for a
 * ground query). `eval` reports the value of each expression, so `input.x < 0` gives a result whose
 * expression is `false`; for the query (as OPA's runners evaluate it) that expression failed, and
 * the result is not a row.
 */
export function rowsOfEvalJson(text: string): Record<string, unknown>[] {
  const doc = JSON.parse(text) as EvalJson;
  return (doc.result ?? [])
    .filter((r) => !(r.expressions ?? []).some((e) => e.value === false))
    .map((r) => r.bindings ?? {});
}
