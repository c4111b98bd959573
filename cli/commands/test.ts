// `semamesh test [paths]`: runs `test_*` rules through the wasm path and prints `opa test` output.
import type { Command } from 'commander';
import { loadPolicyFiles, type PolicyFiles } from '../../engine/loader.js';

interface TestOptions {
  verbose?: boolean;
  format: string;
  run?: string;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('run Rego unit tests (test_* rules) through the wasm engine, like `opa test`')
    .argument('[paths...]', '.rego files, data files, or directories', ['.'])
    .option('-v, --verbose', 'also print passing tests')
    .option('-f, --format <format>', 'pretty or json', 'pretty')
    .option('-r, --run <regex>', 'only run tests whose data.pkg.name matches')
    .action(async (paths: string[], opts: TestOptions) => {
      if (opts.format !== 'pretty' && opts.format !== 'json') return fail(`unknown format ${opts.format}`, 1);
      let run: RegExp | undefined;
      try {
        run = opts.run === undefined ? undefined : new RegExp(opts.run);
      } catch (err) {
        return fail(`--run: ${(err as Error).message}`, 1);
      }
      let files: PolicyFiles;
      try {
        files = loadPolicyFiles(paths);
      } catch (err) {
        return fail((err as Error).message, 1);
      }
      const { formatDiagnostic } = await import('../../engine/index.js');
      const tester = await import('../../engine/tester/index.js');
      const result = tester.runTests({ modules: files.modules, data: files.data, run });
      for (const d of result.diagnostics) console.error(formatDiagnostic(d));
      if (result.diagnostics.length === 0)
        process.stdout.write(
          opts.format === 'json' ? tester.formatJson(result) : tester.formatPretty(result, !!opts.verbose),
        );
      process.exitCode = tester.exitCode(result);
    });
}

function fail(message: string, code: number): void {
  console.error(`semamesh test: ${message}`);
  process.exitCode = code;
}
