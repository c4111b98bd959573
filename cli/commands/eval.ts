// `semamesh eval -d <paths> [-i input.json] '<query>'`: compiles the query against the policies with
// our compiler, evaluates it in the opa-wasm SDK, and prints the result like `opa eval` (its formats,
// `--fail`/`--fail-defined`, `-b` bundles, `-I` input from stdin, exit code 2 on errors).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { PolicyFiles } from '../../engine/loader.js';
import { loadEngine, loadPolicyFiles, printDiagnostics, readDataFile } from './build.js';
import { loadBundles, type WasmResolverModule } from './bundle-input.js';
import { type EvalFormat, FORMATS, formatResult, resultItems, rewriteQuery } from './eval-format.js';
import { resolveEntrypoints } from './eval-resolvers.js';

interface EvalOptions {
  data: string[];
  bundle: string[];
  input?: string;
  stdinInput?: boolean;
  format: string;
  fail?: boolean;
  failDefined?: boolean;
  ignore: string[];
  v0Compatible?: boolean;
  package?: string;
  import: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];
const collectList = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

/** Whether loaded data holds SemaMesh resources (`apiVersion: semamesh.io/...`) somewhere. */
function holdsResources(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.apiVersion === 'string' && v.apiVersion.startsWith('semamesh.io/')) return true;
  return Object.values(v).some((x) => holdsResources(x, depth + 1));
}

/**
 * Loads `-d` paths and `-b` bundles; a `-d` path that holds no module and no data file is an error
 * (a data file holding `{}` was loaded, as in opa), and
 * SemaPolicy YAML loaded as plain data (as opa loads any YAML) gets a note saying how to compile it.
 */
async function load(opts: EvalOptions): Promise<PolicyFiles & { resolvers: WasmResolverModule[] }> {
  const out: PolicyFiles & { resolvers: WasmResolverModule[] } = { modules: [], data: {}, resolvers: [] };
  for (const path of opts.data) {
    const files = loadPolicyFiles([path], { ignore: opts.ignore });
    if (files.modules.length === 0 && (files.dataFiles ?? []).length === 0)
      throw new Error(`${path}: no .rego, .json or .yaml files were loaded from it`);
    if (files.modules.length === 0 && holdsResources(files.data))
      console.error(
        `semamesh eval: note: ${path} holds SemaMesh resources, loaded as plain data (as opa eval -d loads YAML); ` +
          'to evaluate them as policies, compile them with `semamesh compile` and use -b',
      );
    out.modules.push(...files.modules);
    Object.assign(out.data, files.data);
  }
  if (opts.bundle.length > 0) {
    const bundles = await loadBundles(opts.bundle, opts.ignore);
    out.modules.push(...bundles.modules);
    Object.assign(out.data, bundles.data);
    out.resolvers = bundles.resolvers;
  }
  return out;
}

function readInput(opts: EvalOptions): unknown {
  if (opts.stdinInput) {
    const text = readFileSync(0, 'utf8');
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw new Error(`stdin: input is not valid JSON or YAML: ${(err as Error).message}`);
    }
  }
  return opts.input === undefined ? undefined : readDataFile(opts.input);
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a Rego query against policies and data through the wasm engine')
    .argument('<query>', 'Rego query, e.g. "data.semamesh.decision" or "x := data.p; x > 1"')
    .option('-d, --data <path>', '.rego/data file or directory (repeatable)', collect, [])
    .option('-b, --bundle <path>', 'bundle directory or .tar.gz file (repeatable)', collect, [])
    .option('-i, --input <file>', 'input document (JSON or YAML)')
    .option('-I, --stdin-input', 'read the input document from stdin')
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'json')
    .option('--fail', 'exit 1 when the result is undefined or empty')
    .option('--fail-defined', 'exit 1 when the result is defined')
    .option(
      '--ignore <globs>',
      'file and directory names to leave out (repeatable, comma-separated)',
      collectList,
      [],
    )
    .option('--v0-compatible', 'parse modules as Rego v0 (bodies without if, p[x] { } partial sets)')
    .option('--package <path>', "the query's package: its rules are named without data.<path>. (e.g. x.y)")
    .option('--import <path>', 'an import for the query, e.g. "data.x as y" (repeatable)', collect, [])
    .action(async (query: string, opts: EvalOptions) => {
      if (!(FORMATS as readonly string[]).includes(opts.format))
        return fail(`invalid --format ${JSON.stringify(opts.format)}: one of ${FORMATS.join(', ')}`, 1);
      if (opts.input !== undefined && opts.stdinInput)
        return fail('specify --input or --stdin-input, not both', 1);
      let files: Awaited<ReturnType<typeof load>>;
      let input: unknown;
      const { compile, formatDiagnostic, loadPolicy } = await loadEngine();
      try {
        files = await load(opts);
        input = readInput(opts);
        await resolveEntrypoints(files.resolvers, query, input, files.data, loadPolicy);
      } catch (err) {
        return fail((err as Error).message);
      }
      const { outputCalls } = await import('./eval-arity.js');
      const context = {
        queryPackage: opts.package,
        queryImports: opts.import,
        regoVersion: opts.v0Compatible ? (0 as const) : undefined,
      };
      const rewritten = rewriteQuery(query, outputCalls(files.modules, context));
      const result = compile({
        modules: files.modules,
        query: rewritten.query,
        ...context,
      });
      printDiagnostics(result.diagnostics, formatDiagnostic);
      if (!result.wasm) return fail(result.diagnostics.length ? '' : 'compilation produced no policy');
      let rows: Record<string, unknown>[];
      try {
        const policy = await loadPolicy(result.wasm);
        if (Object.keys(files.data).length > 0) policy.setData(files.data);
        rows = policy.evaluate(input);
      } catch (err) {
        return fail((err as Error).message);
      }
      const text = formatResult(
        opts.format as EvalFormat,
        rewritten.exprs,
        resultItems(rewritten.exprs, rows, rewritten.iterVars),
      );
      if (text) console.log(text.replace(/\n$/, ''));
      if ((opts.fail && rows.length === 0) || (opts.failDefined && rows.length > 0)) process.exitCode = 1;
    });
}

/** opa eval exits 2 on load, compile and evaluation errors, 1 on a bad flag value. */
function fail(message: string, code = 2): void {
  if (message) console.error(`semamesh eval: ${message}`);
  process.exitCode = code;
}
