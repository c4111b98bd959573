// `semamesh test [paths]`: runs `test_*` rules through the wasm path and prints `opa test` output,
// with opa test's flags and exit codes (1: load/compile problems, 2: a failing, erroring or skipped test).
import { type Command, InvalidArgumentError } from 'commander';
import { loadPolicyFiles, type PolicyFiles } from '../../engine/loader.js';
import { loadBundles } from './bundle-input.js';

interface TestOptions {
  verbose?: boolean;
  format: string;
  run?: string;
  exitZeroOnSkipped?: boolean;
  failOnEmpty?: boolean;
  ignore: string[];
  bundle?: boolean;
  v0Compatible?: boolean;
  timeout: string;
  coverage?: boolean;
  threshold?: string;
  target: string;
  bench?: boolean;
  benchmem: boolean;
  count: string;
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('run Rego unit tests (test_* rules) through the wasm engine, like `opa test`')
    .argument('[paths...]', '.rego files, data files, or directories', ['.'])
    .option('-v, --verbose', 'also print passing tests and their print() output')
    .option('-f, --format <format>', 'pretty or json', 'pretty')
    .option('-r, --run <regex>', 'only run tests whose data.pkg.name matches')
    .option('-z, --exit-zero-on-skipped', 'skipped (todo_) tests return status 0')
    .option('--fail-on-empty', 'fail (status 1) when no test ran')
    .option(
      '--ignore <globs>',
      'file and directory names to leave out (repeatable, comma-separated)',
      collect,
      [],
    )
    .option('-b, --bundle', 'load paths as bundles (directories or .tar.gz files)')
    .option('-c, --coverage', 'print which expressions the tests reached, as opa test --coverage')
    .option('--threshold <percent>', 'with --coverage: exit 2 when coverage is below this percentage')
    .option('--timeout <duration>', 'per-test time limit, a Go duration (0: none)', '5s')
    .option('--v0-compatible', 'parse modules as Rego v0 (bodies without if, p[x] { } partial sets)')
    .option(
      '-t, --target <target>',
      'rego or wasm: accepted as in opa; tests always run compiled to wasm',
      'wasm',
    )
    .option('--bench', 'benchmark each passing test (Go benchmark output, as opa test --bench)')
    .option(
      '--benchmem [bool]',
      'with --bench: print B/op and allocs/op (wasm heap) columns',
      parseBool,
      true,
    )
    .option('--count <n>', 'run the tests n times, stopping at the first run that fails', '1')
    .option('-p, --parallel <n>', 'accepted as in opa; tests run one at a time')
    .action(async (paths: string[], opts: TestOptions) => {
      if (opts.format !== 'pretty' && opts.format !== 'json') return fail(`unknown format ${opts.format}`, 1);
      if (opts.target !== 'rego' && opts.target !== 'wasm')
        return fail(`invalid --target ${JSON.stringify(opts.target)}: rego or wasm`, 1);
      const count = Number(opts.count);
      if (!/^-?\d+$/.test(opts.count) || !Number.isSafeInteger(count))
        return fail(
          `invalid argument ${JSON.stringify(opts.count)} for "--count" flag: must be an integer`,
          1,
        );
      let run: RegExp | undefined;
      try {
        run = opts.run === undefined ? undefined : new RegExp(opts.run);
      } catch (err) {
        return fail(`--run: ${(err as Error).message}`, 1);
      }
      let files: PolicyFiles;
      try {
        files = opts.bundle
          ? await loadBundles(paths, opts.ignore)
          : loadPolicyFiles(paths, { ignore: opts.ignore });
      } catch (err) {
        return fail((err as Error).message, 1);
      }
      const tester = await import('../../engine/tester/index.js');
      const timeoutMs = tester.parseGoDuration(opts.timeout);
      if (timeoutMs === undefined)
        return fail(`--timeout: invalid duration ${JSON.stringify(opts.timeout)}`, 1);
      const runOptions = {
        modules: files.modules,
        data: files.data,
        run,
        regoVersion: opts.v0Compatible ? (0 as const) : undefined,
        coverage: opts.coverage === true,
      };
      // As opa: the whole run (and its report) repeats `--count` times until one exits non-zero.
      let code = 0;
      for (let i = 0; i < count && code === 0; i++)
        code = opts.bench
          ? await bench(tester, runOptions, opts)
          : await once(tester, runOptions, opts, timeoutMs);
      process.exitCode = code;
    });
}

/** One run of the tests and its report; the exit code. */
async function once(
  tester: typeof import('../../engine/tester/index.js'),
  runOptions: Parameters<typeof tester.runTests>[0],
  opts: TestOptions,
  timeoutMs: number,
): Promise<number> {
  const { formatDiagnostic } = await import('../../engine/index.js');
  // With a limit, tests run in a worker thread that can be stopped (opa's default is 5s).
  const result =
    timeoutMs > 0 ? await tester.runTestsWithTimeout(runOptions, timeoutMs) : tester.runTests(runOptions);
  for (const d of result.diagnostics) console.error(formatDiagnostic(d));
  if (result.diagnostics.length === 0) {
    if (opts.failOnEmpty && result.results.length === 0) console.error('no tests were run');
    // With --coverage opa prints the coverage report instead of the test results.
    if (result.coverage) process.stdout.write(`${JSON.stringify(result.coverage, null, 2)}\n`);
    else
      process.stdout.write(
        opts.format === 'json' ? tester.formatJson(result) : tester.formatPretty(result, !!opts.verbose),
      );
  }
  let code = tester.exitCode(result, {
    exitZeroOnSkipped: opts.exitZeroOnSkipped,
    failOnEmpty: opts.failOnEmpty,
  });
  const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
  if (result.coverage && threshold !== undefined && result.coverage.coverage < threshold) {
    console.error(
      `Code coverage threshold not met: got ${result.coverage.coverage.toFixed(2)} instead of ${threshold.toFixed(2)}`,
    );
    code = code === 1 ? 1 : 2;
  }
  return code;
}

/** `--bench`: each passing test benchmarked in this thread (a benchmark outlives any --timeout). */
async function bench(
  tester: typeof import('../../engine/tester/index.js'),
  runOptions: Parameters<typeof tester.benchTests>[0],
  opts: TestOptions,
): Promise<number> {
  const { formatDiagnostic } = await import('../../engine/index.js');
  const result = tester.benchTests(runOptions);
  for (const d of result.diagnostics) console.error(formatDiagnostic(d));
  if (result.diagnostics.length === 0)
    process.stdout.write(
      opts.format === 'json'
        ? tester.benchJson(result, tester.formatJson(result))
        : tester.formatBenchPretty(result, opts.benchmem),
    );
  return tester.exitCode(result, {
    exitZeroOnSkipped: opts.exitZeroOnSkipped,
    failOnEmpty: opts.failOnEmpty,
  });
}

/** A Go-style boolean flag value (`--benchmem=false`). */
function parseBool(value: string): boolean {
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new InvalidArgumentError(`invalid boolean value ${JSON.stringify(value)}`);
}

function fail(message: string, code: number): void {
  console.error(`semamesh test: ${message}`);
  process.exitCode = code;
}
