// Tests for the named suites and the side-by-side run: the wasm-only suite's loader, the OPA runners'
// judging, reading `eval -f json`, the generated document's sections, a run through `semamesh eval`,
// and (where the pinned opa is built) the same cases through the real `opa eval`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CASES_ROOT, rowsOfEvalJson, writeCaseFiles } from './case-files.js';
import { loadCases, loadWasmCases } from './cases.js';
import { compareOutcomes, writeDocSection } from './compare.js';
import { runConformance } from './harness.js';
import { judge } from './judge.js';
import { runThroughOpa } from './opa-run.js';
import { getSuite } from './suites.js';

after(() => rmSync(CASES_ROOT, { recursive: true, force: true }));

const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));

test('the wasm-only suite loads by file: topic = file, id = file/note, repeats numbered per file', () => {
  const cases = loadWasmCases(fixture('wasm-suite'));
  assert.deepEqual(
    cases.map((c) => c.id),
    [
      '001_small/eq/number',
      '001_small/eq/number (negative)',
      '001_small/eq/number#2',
      '001_small/conflict',
      '002_results/rows',
    ],
  );
  assert.deepEqual([...new Set(cases.map((c) => c.topic))], ['001_small', '002_results']);
});

test('topdown judging: error text and code, strict errors, sets of rows, generated vars', () => {
  const base = { note: 'n', query: 'q', hasInput: false };
  const err = (message: string, code?: string) => ({ kind: 'error' as const, message, code });
  const rows = (r: Record<string, unknown>[]) => ({ kind: 'rows' as const, rows: r });
  const wantText = { ...base, want_error: 'must not produce', want_error_code: 'eval_conflict_error' };
  assert.equal(
    judge(wantText, 'topdown', err('x must not produce y', 'eval_conflict_error'), 0).status,
    'passed',
  );
  assert.equal(
    judge(wantText, 'topdown', err('x must not produce y', 'eval_type_error'), 0).status,
    'failed',
  );
  assert.equal(judge(wantText, 'topdown', err('other', 'eval_conflict_error'), 0).status, 'failed');
  // Under the wasm runners a strict error wants an empty result; topdown wants the error itself.
  const strict = { ...base, want_error_code: 'eval_type_error', strict_error: true };
  assert.equal(judge(strict, 'wasm-e2e', rows([]), 0).status, 'passed');
  assert.equal(judge(strict, 'topdown', rows([]), 0).status, 'failed');
  const result = { ...base, want_result: [{ x: 1 }, { x: 2 }] };
  assert.equal(judge(result, 'topdown', rows([{ x: 2 }, { x: 1 }]), 0).status, 'passed');
  const generated = { ...result, ignore_generated_vars: true };
  assert.equal(judge(generated, 'topdown', rows([{ x: 2, __localq0__: 1 }, { x: 1 }]), 0).status, 'passed');
  assert.equal(judge(result, 'topdown', { kind: 'crash', reason: 'boom' }, 0).status, 'crashed');
});

test('wasm-js judging: want_defined, want_error as text, unordered rows', () => {
  const base = { note: 'n', query: 'q', hasInput: false };
  assert.equal(
    judge({ ...base, want_defined: false }, 'wasm-js', { kind: 'rows', rows: [] }, 0).status,
    'passed',
  );
  assert.equal(
    judge({ ...base, want_defined: true }, 'wasm-js', { kind: 'rows', rows: [] }, 0).status,
    'failed',
  );
  const conflict = { ...base, want_error: 'module0.rego:3:1: var assignment conflict' };
  const got = {
    kind: 'error' as const,
    message: 'internal_error: module0.rego:3:1: var assignment conflict',
  };
  assert.equal(judge(conflict, 'wasm-js', got, 0).status, 'passed');
  assert.equal(judge(conflict, 'wasm-js', { kind: 'error', message: 'conflict' }, 0).status, 'failed');
});

test('eval -f json: bindings per result; a result with a false expression is no row', () => {
  const doc = (values: unknown[], bindings?: object) => ({
    expressions: values.map((value) => ({ value, text: 't' })),
    ...(bindings ? { bindings } : {}),
  });
  const text = JSON.stringify({ result: [doc([true], { x: 1 }), doc([false]), doc([true, 3])] });
  assert.deepEqual(rowsOfEvalJson(text), [{ x: 1 }, {}]);
  assert.deepEqual(rowsOfEvalJson('{}'), []);
});

test('case files: modules named as the suite runner names them, data and input as JSON', () => {
  const files = writeCaseFiles(
    {
      note: 'n',
      query: 'x = 1',
      modules: ['package a'],
      data: { d: 1 },
      input_term: '{"k": [1]}',
      hasInput: false,
    },
    'module',
  );
  try {
    assert.deepEqual(files.args, [
      '-d',
      join(files.dir, 'module0.rego'),
      '-d',
      join(files.dir, 'data.json'),
      '-i',
      join(files.dir, 'input.json'),
      '--',
      'x = 1',
    ]);
    assert.deepEqual(JSON.parse(readFileSync(join(files.dir, 'input.json'), 'utf8')), { k: [1] });
    assert.equal(
      files.local(`${join(files.dir, 'module0.rego')}:3:1: conflict`),
      'module0.rego:3:1: conflict',
    );
  } finally {
    files.cleanup();
  }
  assert.throws(
    () => writeCaseFiles({ note: 'n', query: 'q', input_term: '{"s": {1}}', hasInput: false }, 'm'),
    /not JSON/,
  );
});

test('the document keeps the sections other runs wrote, in a fixed order', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sm-conf-doc-')), 'conformance.md');
  writeDocSection(path, 'opa-wasm', '## wasm one\n', ['shared', 'opa-v1', 'opa-wasm']);
  writeDocSection(path, 'shared', '## shared one\n', ['shared', 'opa-v1', 'opa-wasm']);
  writeDocSection(path, 'opa-wasm', '## wasm two\n', ['shared', 'opa-v1', 'opa-wasm']);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.indexOf('## shared one') < text.indexOf('## wasm two'));
  assert.ok(!text.includes('wasm one'));
});

test('side-by-side counts: both, only opa, only us, per topic', () => {
  const cases = loadCases(fixture('suite'));
  const o = (status: 'passed' | 'failed' | 'crashed') => ({ status, ms: 0 });
  const side = compareOutcomes(
    cases,
    [o('passed'), o('passed'), o('failed')],
    [o('passed'), o('crashed'), o('passed')],
  );
  assert.deepEqual(
    {
      cases: side.cases,
      opa: side.opa,
      us: side.us,
      both: side.both,
      onlyOpa: side.onlyOpa,
      onlyUs: side.onlyUs,
    },
    { cases: 3, opa: 2, us: 2, both: 1, onlyOpa: 1, onlyUs: 1 },
  );
  assert.equal(side.ourCrashes, 1);
  assert.deepEqual(
    side.onlyOpaCases.map((c) => c.id),
    ['basics/partial set from data'],
  );
  assert.deepEqual(
    side.onlyUsCases.map((c) => c.id),
    ['basics/conflict'],
  );
});

test('the wasm-only fixture suite passes through semamesh eval, judged as test.js judges', async () => {
  const suite = getSuite('opa-wasm', fixture('wasm-suite'));
  const run = await runConformance({
    cases: suite.load(),
    cli: { modulePrefix: suite.modulePrefix, runner: suite.ourRunner },
    jobs: 1,
    timeoutMs: 60_000,
  });
  assert.deepEqual(
    run.results.filter((r) => r.outcome.status !== 'passed').map((r) => `${r.id}: ${r.outcome.reason}`),
    [],
  );
});

test('the same cases through the real opa eval (topdown and --target wasm)', async (t) => {
  const opa = process.env.SEMAMESH_OPA;
  const opaWasm = process.env.SEMAMESH_OPA_WASM;
  if (!opa || !existsSync(opa) || !opaWasm || !existsSync(opaWasm)) {
    if (process.env.CI === 'true') assert.fail('CI=true and SEMAMESH_OPA / SEMAMESH_OPA_WASM are not set');
    t.skip('SEMAMESH_OPA and SEMAMESH_OPA_WASM are not set (bash scripts/ensure-opa.sh [--wasm])');
    return;
  }
  const shared = getSuite('shared', fixture('suite'));
  const topdown = await runThroughOpa(shared.load(), shared, { opa, jobs: 2, timeoutMs: 30_000 });
  assert.deepEqual(
    topdown.map((o) => o.status),
    ['passed', 'passed', 'passed'],
    JSON.stringify(topdown),
  );
  const wasm = getSuite('opa-wasm', fixture('wasm-suite'));
  const viaWasm = await runThroughOpa(wasm.load(), wasm, { opa: opaWasm, jobs: 2, timeoutMs: 30_000 });
  assert.deepEqual(
    viaWasm.map((o) => o.status),
    ['passed', 'passed', 'passed', 'passed', 'passed'],
    JSON.stringify(viaWasm),
  );
  // A case that asks for the wrong result fails in opa as well: the column is a measurement.
  const wrong = { ...shared.load()[0], want_result: [{ x: 8 }] };
  const [bad] = await runThroughOpa([wrong], shared, { opa, jobs: 1, timeoutMs: 30_000 });
  assert.equal(bad.status, 'failed');
});
