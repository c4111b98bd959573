// `npm run conformance`: runs OPA's conformance suite through our compiler and the opa-wasm SDK,
// writes docs/conformance.md, and fails on crashes or on changes against exceptions.yaml.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type CaseResult,
  checkGate,
  readExceptions,
  updateExceptions,
  writeExceptions,
} from './exceptions.js';
import { DEFAULT_CASES_DIR, runConformance } from './harness.js';
import { renderConsole, renderMarkdown, summarize } from './report.js';
import { conformanceCasesOrSkip } from './suite-dir.js';

const USAGE = `usage: npx tsx engine/conformance/run.ts [options]
  --fast                 CI mode: 2 s per case, 200 s overall budget, all cores
  --filter <regex>       only cases whose topic or id matches
  --update-exceptions    rewrite exceptions.yaml from this run's non-passing cases
  --cases <dir>          suite root (default ${DEFAULT_CASES_DIR})
  --jobs <n>             worker threads
  --timeout <ms>         per-case timeout
  --json <file>          write the JSON summary (totals, topics, per-case outcomes)
  --verbose              print every non-passing case with its reason`;

const EXCEPTIONS_PATH = fileURLToPath(new URL('./exceptions.yaml', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC_PATH = join(REPO_ROOT, 'docs/conformance.md');

function list(title: string, items: CaseResult[], max = 25): void {
  if (items.length === 0) return;
  console.log(`${title} (${items.length}):`);
  for (const r of items.slice(0, max)) {
    const why = r.outcome.status === 'passed' ? '' : `: ${r.outcome.status}: ${r.outcome.reason ?? ''}`;
    console.log(`  ${r.id}${why}`);
  }
  if (items.length > max) console.log(`  … and ${items.length - max} more`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      fast: { type: 'boolean', default: false },
      filter: { type: 'string' },
      'update-exceptions': { type: 'boolean', default: false },
      cases: { type: 'string' },
      jobs: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const exceptions = readExceptions(EXCEPTIONS_PATH);
  let casesDir = values.cases ?? process.env.SEMAMESH_CONFORMANCE_CASES;
  if (casesDir === undefined) {
    // The suite lives beside the checkout: without it, skip with the reason (an error under CI=true).
    const suite = conformanceCasesOrSkip();
    if (!suite.dir) {
      console.log(`conformance: skipped: ${suite.skip}`);
      return 0;
    }
    casesDir = suite.dir;
  }
  const run = await runConformance({
    casesDir,
    filter: values.filter,
    fast: values.fast,
    jobs: values.jobs ? Number(values.jobs) : undefined,
    timeoutMs: values.timeout ? Number(values.timeout) : undefined,
    exceptions,
    onOutcome: (_c, _o, done, total) => {
      if (done % 250 === 0 || done === total) process.stderr.write(`  ${done}/${total}\n`);
    },
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
  const suite = `OPA v1 cases from \`${relative(REPO_ROOT, casesDir)}\``;
  if (!values.filter) writeFileSync(DOC_PATH, renderMarkdown(summary, suite));
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ ...summary, cases: run.results }, null, 2)}\n`);

  if (values['update-exceptions']) {
    writeExceptions(EXCEPTIONS_PATH, next);
    console.log(`exceptions.yaml: ${next.size} entries (was ${exceptions.size})`);
    const crashed = run.results.filter((r) => r.outcome.status === 'crashed');
    list('crashed', crashed);
    return crashed.length ? 1 : 0;
  }
  const gate = checkGate(run.results, exceptions);
  list('crashed', gate.crashed);
  list('passing now, remove from exceptions.yaml (or run with --update-exceptions)', gate.nowPassing);
  list('not passing and not in exceptions.yaml', gate.regressions);
  console.log(gate.ok ? 'conformance gate: ok' : 'conformance gate: FAILED');
  return gate.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 2;
  },
);
