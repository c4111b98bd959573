// `semamesh build -t wasm -e pkg/rule <paths...>`: compiles Rego files to an OPA bundle with a
// policy.wasm, like `opa build -t wasm`.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Diagnostic } from '../../engine/index.js';
import { addData, loadPolicyFiles, type PolicyFiles, readDataFile } from '../../engine/loader.js';

export { loadPolicyFiles, readDataFile };

/** The engine is loaded on first use, so other subcommands start without compiling it. */
export const loadEngine = () => import('../../engine/index.js');

/** `file:row:col: code: message`, one per line, on stderr. */
export function printDiagnostics(diagnostics: Diagnostic[], format: (d: Diagnostic) => string): void {
  for (const d of diagnostics) console.error(format(d));
}

interface BuildOptions {
  target: string;
  entrypoint: string[];
  output: string;
  data?: string;
  revision?: string;
  v0Compatible?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('compile Rego to an OPA bundle with a WebAssembly policy (like `opa build -t wasm`)')
    .argument('<paths...>', '.rego files, data.json/data.yaml files, or directories holding them')
    .option('-t, --target <target>', 'output target (only wasm)', 'wasm')
    .option(
      '-e, --entrypoint <pkg/rule>',
      'rule to expose, e.g. semamesh/decision/main (repeatable)',
      collect,
      [],
    )
    .option('-o, --output <file>', 'bundle file to write', 'bundle.tar.gz')
    .option('--data <file>', 'extra data document (JSON or YAML) placed at the root of data')
    .option('--revision <rev>', 'revision recorded in the bundle manifest', '')
    .option('--v0-compatible', 'parse modules as Rego v0 (manifest rego_version 0)')
    .action(async (paths: string[], opts: BuildOptions) => {
      if (opts.target !== 'wasm') return fail(`unsupported target ${JSON.stringify(opts.target)}: only wasm`);
      if (opts.entrypoint.length === 0) return fail('at least one entrypoint is required (-e pkg/rule)');
      let files: PolicyFiles;
      try {
        files = loadPolicyFiles(paths);
        if (opts.data) addData(files.data, [], readDataFile(opts.data), opts.data);
      } catch (err) {
        return fail((err as Error).message);
      }
      const { buildBundle, formatDiagnostic } = await loadEngine();
      const result = buildBundle({
        modules: files.modules,
        entrypoints: opts.entrypoint.map((e) => e.replace(/^data[./]/, '').replace(/\./g, '/')),
        data: files.data,
        revision: opts.revision,
        regoVersion: opts.v0Compatible ? 0 : undefined,
      });
      printDiagnostics(result.diagnostics, formatDiagnostic);
      if (!result.bundle) return fail(result.diagnostics.length ? '' : 'compilation produced no bundle');
      writeFileSync(opts.output, result.bundle);
      const size = result.wasm ? ` (policy.wasm ${result.wasm.length} bytes)` : '';
      console.error(`wrote ${opts.output}${size} in ${Math.round(result.timings.total)} ms`);
    });
}

function fail(message: string): void {
  if (message) console.error(`semamesh build: ${message}`);
  process.exitCode = 1;
}
