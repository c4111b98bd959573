// `npm run conformance`: runs a conformance suite through our compiler (engine API + opa-wasm SDK, or
// `semamesh eval`), fails on crashes or on changes against the suite's exceptions file, and writes
// its section of docs/conformance.md; with --compare, the real opa runs every case too, side by side.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES_ROOT } from './case-files.js';
import { filterCases } from './cases.js';
import { compareOutcomes, renderSideBySide, writeDocSection } from './compare.js';
import {
  type CaseResult,
  checkGate,
  readExceptions,
  updateExceptions,
  writeExceptions,
} from './exceptions.js';
import { harnessDefaults, runConformance } from './harness.js';
import { opaRunner, runThroughOpa } from './opa-run.js';
import { renderConsole, renderMarkdown, summarize } from './report.js';
import { conformanceCasesOrSkip } from './suite-dir.js';
import { getSuite, pinnedOpaVersion, SUITES, type Suite } from './suites.js';

const USAGE = `usage: npx tsx engine/conformance/run.ts [options]
  --suite <name>         ${SUITES.join(' | ')} (default shared)
  --engine <sdk|cli>     our side: engine API + SDK, or semamesh eval (default: sdk for shared, cli else)
  --compare              run every case through the real opa too; writes the side-by-side table
  --opa <path>           the opa binary (default $SEMAMESH_OPA / $SEMAMESH_OPA_WASM, else ensure-opa.sh)
  --fast                 CI mode: 2 s per case, 200 s overall budget, all cores
  --filter <regex>       only cases whose topic or id matches
  --update-exceptions    rewrite the suite's exceptions file from this run's non-passing cases
  --cases <dir>          suite root (default: the suite's own location)
  --jobs <n>             worker threads (and opa processes)
  --timeout <ms>         per-case timeout
  --budget <s>           overall limit for our side; cases not started by then count as crashed
  --json <file>          write the JSON summary (totals, topics, per-case outcomes)
  --verbose              print every non-passing case with its reason`;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC_PATH = join(REPO_ROOT, 'docs/conformance.md');
const SECTION_ORDER = ['shared', 'opa-v1', 'opa-wasm', 'shared-compare'];

function list(title: string, items: CaseResult[], max = 25): void {
  if (items.length === 0) return;
  console.log(`${title} (${items.length}):`);
  for (const r of items.slice(0, max)) {
    const why = r.outcome.status === 'passed' ? '' : `: ${r.outcome.status}: ${r.outcome.reason ?? ''}`;
    console.log(`  ${r.id}${why}`);
  }
  if (items.length > max) console.log(`  … and ${items.length - max} more`);
}

/** The opa to compare with: given, from the environment, or built/located by scripts/ensure-opa.sh. */
function opaBinary(suite: Suite, given?: string): string {
  if (given) return given;
  const wasm = suite.opaTarget === 'wasm';
  const env = wasm ? process.env.SEMAMESH_OPA_WASM : process.env.SEMAMESH_OPA;
  if (env) return env;
  const script = join(REPO_ROOT, 'scripts/ensure-opa.sh');
  return execFileSync('bash', [script, ...(wasm ? ['--wasm'] : [])], { encoding: 'utf8' }).trim();
}

function suiteDir(name: string, given?: string): string | undefined {
  if (given ?? process.env.SEMAMESH_CONFORMANCE_CASES) return given ?? process.env.SEMAMESH_CONFORMANCE_CASES;
  if (name !== 'shared') return undefined;
  // The shared suite lives beside the checkout: without it, skip with the reason (an error under CI=true).
  const found = conformanceCasesOrSkip();
  if (!found.dir) {
    console.log(`conformance: skipped: ${found.skip}`);
    return '';
  }
  return found.dir;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'shared' },
      engine: { type: 'string' },
      compare: { type: 'boolean', default: false },
      opa: { type: 'string' },
      fast: { type: 'boolean', default: false },
      filter: { type: 'string' },
      'update-exceptions': { type: 'boolean', default: false },
      cases: { type: 'string' },
      jobs: { type: 'string' },
      timeout: { type: 'string' },
      budget: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = suiteDir(values.suite, values.cases);
  if (dir === '') return 0;
  const suite = getSuite(values.suite, dir);
  const engine = values.engine ?? (suite.name === 'shared' ? 'sdk' : 'cli');
  if (engine !== 'sdk' && engine !== 'cli') throw new Error(`--engine must be sdk or cli, not ${engine}`);
  const cases = filterCases(suite.load(), values.filter);
  const exceptions = readExceptions(suite.exceptionsPath);
  const defaults = harnessDefaults(values.fast);
  const jobs = values.jobs ? Number(values.jobs) : defaults.jobs;
  const timeoutMs = values.timeout ? Number(values.timeout) : defaults.timeoutMs;
  const progress = (label: string) => (done: number, total: number) => {
    if (done % 250 === 0 || done === total) process.stderr.write(`  ${label} ${done}/${total}\n`);
  };

  let opaOutcomes: Awaited<ReturnType<typeof runThroughOpa>> | undefined;
  let opaSeconds = 0;
  if (values.compare) {
    const opa = opaBinary(suite, values.opa);
    const started = performance.now();
    let done = 0;
    const tick = progress('opa');
    opaOutcomes = await runThroughOpa(cases, suite, {
      opa,
      jobs,
      timeoutMs,
      onOutcome: () => tick(++done, cases.length),
    });
    opaSeconds = Math.round((performance.now() - started) / 1000);
  }
  const tick = progress('us');
  const run = await runConformance({
    cases,
    fast: values.fast,
    jobs,
    timeoutMs,
    budgetMs: values.budget ? Number(values.budget) * 1000 : undefined,
    exceptions,
    cli: engine === 'cli' ? { modulePrefix: suite.modulePrefix, runner: suite.ourRunner } : undefined,
    onOutcome: (_c, _o, done, total) => tick(done, total),
  });
  if (values.verbose)
    list(
      'not passing',
      run.results.filter((r) => r.outcome.status !== 'passed'),
      Infinity,
    );
  console.log(renderConsole(run.summary));

  const next = values['update-exceptions'] ? updateExceptions(exceptions, run.results) : exceptions;
  // After an update the doc counts the cases as listed in the new file.
  const summary = next === exceptions ? run.summary : summarize(run.results, next, run.summary.durationMs);
  const exceptionsFile = relative(REPO_ROOT, suite.exceptionsPath);
  const location =
    suite.name === 'shared'
      ? relative(REPO_ROOT, suite.dir)
      : suite.dir.replace(/^.*\/pkg\/mod\//, '$GOMODCACHE/');
  const command = `npm run conformance -- --suite ${suite.name}${engine !== (suite.name === 'shared' ? 'sdk' : 'cli') ? ` --engine ${engine}` : ''}`;
  if (opaOutcomes) {
    const side = compareOutcomes(
      run.cases,
      opaOutcomes,
      run.results.map((r) => r.outcome),
    );
    console.log(
      `side by side: opa ${side.opa}/${side.cases}, us ${side.us}/${side.cases}, both ${side.both}, only opa ${side.onlyOpa}, only us ${side.onlyUs} (opa ${opaSeconds} s, us ${Math.round(run.summary.durationMs / 1000)} s)`,
    );
    if (!values.filter)
      writeDocSection(
        DOC_PATH,
        suite.name === 'shared' ? 'shared-compare' : suite.name,
        renderSideBySide(side, {
          suite: suite.name,
          title: `Suite \`${suite.name}\`: the real opa and us, side by side`,
          method: [
            `Cases: \`${location}\`. opa: \`opa eval --format json${suite.opaTarget === 'wasm' ? ' --target wasm' : ''}\` of the pinned release (${pinnedOpaVersion()}), judged as OPA's \`${opaRunner(suite)}\` runner judges.`,
            `Us: \`semamesh eval --format json\`${engine === 'sdk' ? ' (here: the engine API and the SDK)' : ''} with the same files, judged as OPA's \`${suite.ourRunner}\` runner judges (our target is wasm).`,
            'Runners: topdown = `v1/topdown/exported_test.go` (strict_error runs with `--strict-builtin-errors`, want_error is message text, want_error_code the error code); wasm-e2e = `internal/wasm/sdk/test/e2e` (strict errors want an empty result); wasm-js = `v1/test/wasm/assets/test.js`. Results are sets of rows; an expression `eval` reports as `false` fails the query.',
          ],
          command: `${command} --compare`,
          opaSeconds,
          ourSeconds: Math.round(run.summary.durationMs / 1000),
        }),
        SECTION_ORDER,
      );
  } else if (!values.filter && suite.name === 'shared') {
    // The OPA suites' sections are the side-by-side tables (--compare); a gate run leaves them alone.
    const title = `Suite \`${suite.name}\` through ${engine === 'cli' ? '`semamesh eval`' : 'the engine API and the SDK'}${suite.name === 'shared' ? ' (the CI gate)' : ''}`;
    writeDocSection(
      DOC_PATH,
      suite.name,
      renderMarkdown(summary, `\`${location}\``, title, exceptionsFile, command),
      SECTION_ORDER,
    );
  }
  if (values.json)
    writeFileSync(
      values.json,
      `${JSON.stringify({ ...summary, cases: run.results, opa: opaOutcomes }, null, 2)}\n`,
    );

  if (values['update-exceptions']) {
    writeExceptions(suite.exceptionsPath, next);
    console.log(`${exceptionsFile}: ${next.size} entries (was ${exceptions.size})`);
    const crashed = run.results.filter((r) => r.outcome.status === 'crashed');
    list('crashed', crashed);
    return crashed.length ? 1 : 0;
  }
  const gate = checkGate(run.results, exceptions);
  list('crashed', gate.crashed);
  list(`passing now, remove from ${exceptionsFile} (or run with --update-exceptions)`, gate.nowPassing);
  list(`not passing and not in ${exceptionsFile}`, gate.regressions);
  console.log(gate.ok ? `conformance gate (${suite.name}): ok` : `conformance gate (${suite.name}): FAILED`);
  return gate.ok ? 0 : 1;
}

main().then(
  (code) => {
    rmSync(CASES_ROOT, { recursive: true, force: true });
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 2;
  },
);
