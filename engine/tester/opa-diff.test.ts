// Differential tests of `semamesh test` and eval against the real opa (skipped, with the reason
// printed, where opa is absent; an error under CI=true): packages split across files first.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPolicyFiles } from '../loader.js';
import { opaEvalValues, opaTest, ourEvalValues, testOutcomes } from '../reference/diff.js';
import { findOpa, runOpa } from '../reference/opa.js';
import { exitCode, formatJson, runTests } from './index.js';

const { skip } = findOpa();
const FIXTURES = join(import.meta.dirname, 'fixtures');

test('a package split across files: every test outcome equals opa test', { skip }, () => {
  const dir = join(FIXTURES, 'split-package');
  const ours = runTests(loadPolicyFiles([dir]));
  assert.deepEqual(ours.diagnostics, []);
  const theirs = opaTest([dir]);
  assert.equal(theirs.status, 2, 'the fixture holds one failing test');
  assert.deepEqual(testOutcomes(formatJson(ours)), theirs.outcomes);
  assert.equal(theirs.outcomes.length, 6);
});

test('a package split across files: eval of the package equals opa eval', { skip }, () => {
  const dir = join(FIXTURES, 'split-package');
  const files = loadPolicyFiles([dir]);
  for (const [query, input] of [
    ['data.authz', { user: 'alice', action: 'read' }],
    ['data.authz.deny', { user: 'bob', action: 'write' }],
    ['data.lib.roles', undefined],
  ] as const) {
    assert.deepEqual(
      ourEvalValues(files.modules, files.data, query, input),
      opaEvalValues([dir], query, input),
      query,
    );
  }
});

/** print() output per test, from `--format json` (base64 in opa's output). */
function outputs(json: string): Record<string, string> {
  const items = JSON.parse(json) as { name: string; output?: string }[];
  return Object.fromEntries(
    items.filter((i) => i.output).map((i) => [i.name, Buffer.from(i.output!, 'base64').toString()]),
  );
}

test('duplicate, parametrised, printing and todo tests: outcomes, output, exit codes equal opa test', {
  skip,
}, () => {
  const dir = join(FIXTURES, 'opa-test-features');
  const ours = runTests(loadPolicyFiles([dir]));
  assert.deepEqual(ours.diagnostics, []);
  const theirs = opaTest([dir]);
  // opa numbers same-named tests (test_twice, test_twice#01, ...) in an order that varies between
  // its runs (module order), so the numbering is compared as a set and outcomes per location.
  const unnumbered = (os: typeof theirs.outcomes) =>
    os.map((o) => ({ ...o, name: o.name.replace(/#\d+$/, '') }));
  const names = (os: typeof theirs.outcomes) => os.map((o) => o.name).sort();
  const mine = testOutcomes(formatJson(ours));
  assert.deepEqual(unnumbered(mine), unnumbered(theirs.outcomes));
  assert.deepEqual(names(mine), names(theirs.outcomes));
  assert.deepEqual(outputs(formatJson(ours)), outputs(runOpa(['test', '--format', 'json', dir]).stdout));
  assert.equal(exitCode(ours), theirs.status);
  assert.equal(exitCode(ours, { exitZeroOnSkipped: true }), opaTest([dir], ['-z']).status);
  // Only the todo test selected: a skip alone exits 2, and 0 with -z.
  const todo = runTests({ ...loadPolicyFiles([dir]), run: /todo/ });
  assert.equal(exitCode(todo), opaTest([dir], ['--run', 'todo']).status);
  assert.equal(exitCode(todo, { exitZeroOnSkipped: true }), opaTest([dir], ['--run', 'todo', '-z']).status);
  assert.equal(exitCode(todo, { exitZeroOnSkipped: true }), 0);
});

test('Rego v0 (--v0-compatible): test outcomes and eval equal opa', { skip }, () => {
  const dir = join(FIXTURES, 'v0');
  const files = loadPolicyFiles([dir]);
  const ours = runTests({ ...files, regoVersion: 0 });
  assert.deepEqual(ours.diagnostics, []);
  const theirs = opaTest([dir], ['--v0-compatible']);
  assert.deepEqual(testOutcomes(formatJson(ours)), theirs.outcomes);
  assert.equal(theirs.outcomes.length, 6);
  for (const input of [{ user: 'bob' }, { user: 'carol' }]) {
    assert.deepEqual(
      ourEvalValues(files.modules, files.data, 'data.v0policy', input, 0),
      opaEvalValues([dir], 'data.v0policy', input, ['--v0-compatible']),
    );
  }
  // Without the flag the same files are v1 parse errors, in both.
  assert.ok(runTests(files).diagnostics.some((d) => d.code === 'rego_parse_error'));
});

test('a bundle directory whose .manifest sets rego_version 0 and file_rego_versions: equals opa test -b', {
  skip,
}, () => {
  const dir = join(FIXTURES, 'v0-manifest');
  const ours = runTests(loadPolicyFiles([dir], { bundle: true }));
  assert.deepEqual(ours.diagnostics, []);
  const theirs = opaTest([dir], ['-b']);
  assert.deepEqual(testOutcomes(formatJson(ours)), theirs.outcomes);
  assert.equal(theirs.outcomes.length, 3);
  // Not as a bundle, the manifest is ignored and the v0 file is a parse error, as in opa.
  assert.ok(runTests(loadPolicyFiles([dir])).diagnostics.some((d) => d.code === 'rego_parse_error'));
  assert.notEqual(runOpa(['test', dir]).status, 0);
});

test('--coverage: the report equals opa test --coverage', { skip }, () => {
  const dir = join(FIXTURES, 'coverage-report');
  const ours = runTests({ ...loadPolicyFiles([dir]), coverage: true });
  assert.deepEqual(ours.diagnostics, []);
  const theirs = JSON.parse(runOpa(['test', '--coverage', dir]).stdout) as unknown;
  assert.deepEqual(JSON.parse(JSON.stringify(ours.coverage)), theirs);
});
