// `semamesh eval -d <paths> [-i input.json] '<query>'`: compiles the query against the policies with
// our compiler, evaluates it in the opa-wasm SDK, and prints the result like `opa eval --format json`.
import type { Command } from 'commander';
import type { ResultRow } from '../../engine/index.js';
import { loadEngine, loadPolicyFiles, printDiagnostics, readDataFile } from './build.js';

interface EvalOptions {
  data: string[];
  input?: string;
  v0Compatible?: boolean;
}

/** The variable a single-term query (`data.x.p`) is bound to, so its value can be printed. */
const VALUE_VAR = '__semamesh_value__';
const SIMPLE_TERM = /^\s*(data|input)(\.[A-Za-z_][\w]*|\[[^\]]*\])*\s*$/;

/**
 * OPA's JSON output: `{"result": [{"expressions": [...], "bindings": {...}}]}`, `{}` when undefined.
 * A query that is a single `data…`/`input…` reference gets `expressions` with its value; any other
 * query prints only `bindings` (our plans return variable bindings, not per-expression values).
 */
export function formatEvalResult(query: string, rows: ResultRow[], single: boolean): unknown {
  if (rows.length === 0) return {};
  return {
    result: rows.map((row) => {
      if (!single) return { bindings: row };
      const { [VALUE_VAR]: value, ...bindings } = row;
      const out: Record<string, unknown> = {
        expressions: [{ value, text: query.trim(), location: { row: 1, col: 1 } }],
      };
      if (Object.keys(bindings).length > 0) out.bindings = bindings;
      return out;
    }),
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a Rego query against policies and data through the wasm engine')
    .argument('<query>', 'Rego query, e.g. "data.semamesh.decision.main" or "x := data.p; x > 1"')
    .option('-d, --data <path>', '.rego/data file or directory (repeatable)', collect, [])
    .option('-i, --input <file>', 'input document (JSON or YAML)')
    .option('--v0-compatible', 'parse modules as Rego v0 (bodies without if, p[x] { } partial sets)')
    .action(async (query: string, opts: EvalOptions) => {
      let modules: ReturnType<typeof loadPolicyFiles>['modules'];
      let data: Record<string, unknown>;
      let input: unknown;
      try {
        ({ modules, data } = loadPolicyFiles(opts.data));
        input = opts.input === undefined ? undefined : readDataFile(opts.input);
      } catch (err) {
        return fail((err as Error).message);
      }
      const { compile, formatDiagnostic, loadPolicy } = await loadEngine();
      const single = SIMPLE_TERM.test(query);
      const result = compile({
        modules,
        query: single ? `${VALUE_VAR} = ${query.trim()}` : query,
        regoVersion: opts.v0Compatible ? 0 : undefined,
      });
      printDiagnostics(result.diagnostics, formatDiagnostic);
      if (!result.wasm) return fail(result.diagnostics.length ? '' : 'compilation produced no policy');
      try {
        const policy = await loadPolicy(result.wasm);
        if (Object.keys(data).length > 0) policy.setData(data);
        const rows = policy.evaluate(input);
        console.log(JSON.stringify(formatEvalResult(query, rows, single), null, 2));
      } catch (err) {
        return fail((err as Error).message);
      }
    });
}

function fail(message: string): void {
  if (message) console.error(`semamesh eval: ${message}`);
  process.exitCode = 1;
}
