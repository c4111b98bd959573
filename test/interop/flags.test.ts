// `semamesh eval` flags against `opa eval`: each combination runs through both, and stdout and the
// exit code must be equal. Nothing is normalised except where noted: the error text of a failing
// run (opa prints a JSON error document on stdout, we print located diagnostics on stderr).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findOpa();
const ROOT = join(import.meta.dirname, '..', '..');
const V1 = 'test/interop/fixtures/bundle-v1';
const V0 = 'test/interop/fixtures/bundle-v0';
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const INPUT = join(dir, 'input.json');
writeFileSync(INPUT, JSON.stringify({ user: 'bob', action: 'write' }));
const V0_INPUT = join(dir, 'v0-input.json');
writeFileSync(V0_INPUT, JSON.stringify({ user: 'alice' }));
const EMPTY = join(dir, 'empty');
mkdirSync(EMPTY);
// Data files that hold nothing were still loaded: opa evaluates against them, and so do we.
const EMPTY_JSON = join(dir, 'empty.json');
writeFileSync(EMPTY_JSON, '{}');
const EMPTY_DATA_DIR = join(dir, 'empty-data');
mkdirSync(EMPTY_DATA_DIR);
writeFileSync(join(EMPTY_DATA_DIR, 'data.json'), '{}');
// Functions called with an output argument (one more than their arity): opa's value is `true`.
const FUNCS = join(dir, 'funcs.rego');
writeFileSync(FUNCS, 'package fx\n\ninc(a) := a + 1\n\nadd(a, b) := a + b\n\nlib.twice(a) := a * 2\n');
const OUTPUT_CALLS = [
  'replace("abc", "b", "d", x)',
  'data.fx.inc(1, y)',
  'data.fx.add(1, 2, z); z > 2',
  'data.fx.inc(1, 2)',
  'data.fx.inc(1, 3)',
  'data.fx.lib.twice(4, y)',
  'x := data.fx.inc(1)',
  'data.fx.inc(1)',
  'data.fx.inc(1) == 2',
  'walk([1], [p, v])',
  'count([1, 2], n); s := "<&>"',
  'data.fx.inc(input.n, y) with input.n as 5',
];

const QUERIES = [
  'data.authz.decision',
  'data.authz.allow',
  'x := data.lib.admins[_]',
  'x := data.lib.admins[i]; y := count(data.lib.admins)',
  'data.authz.nope',
  'count(data.lib.admins)',
  'false',
  '"text"',
];

const CASES: string[][] = [
  ...['json', 'values', 'bindings', 'pretty', 'raw'].flatMap((f) =>
    QUERIES.map((q) => ['-d', V1, '-i', INPUT, '-f', f, q]),
  ),
  ['-b', V1, '-i', INPUT, 'data.authz.decision'],
  ['-b', V1, '-i', INPUT, '-f', 'raw', 'data.authz.allow'],
  ['-d', V1, '--fail', 'data.authz.nope'],
  ['-d', V1, '--fail', '-i', INPUT, 'data.authz.decision'],
  ['-d', V1, '--fail-defined', '-f', 'raw', 'data.lib.admins'],
  ['-d', V1, '--fail-defined', 'data.authz.nope'],
  ['-d', V1, '--ignore', '*_test.rego', '-f', 'raw', 'data.authz'],
  ['-d', V0, '--v0-compatible', '-i', V0_INPUT, 'data.authz.allow'],
  ['-b', V0, '-i', V0_INPUT, '-f', 'values', 'data.authz'],
  ['-d', V1, '-i', INPUT, 'data.authz.decision with input.user as "alice"'],
  ['-d', V1, '-i', INPUT, '--package', 'authz', 'decision'],
  ['-d', V1, '-i', INPUT, '--package', 'authz', '-f', 'values', 'allow; x := data.lib.admins[_]'],
  ['-d', V1, '--import', 'data.lib', 'lib.admins'],
  ['-d', V1, '-i', INPUT, '--import', 'data.authz as z', '--import', 'input.user', 'z.allow; u := user'],
  ...['json', 'pretty'].flatMap((f) => OUTPUT_CALLS.map((q) => ['-d', FUNCS, '-f', f, q])),
  ['-d', FUNCS, '--package', 'fx', 'inc(1, y); lib.twice(y, z)'],
  ['-d', FUNCS, '--import', 'data.fx as m', 'm.add(1, 2, y); m.inc(y)'],
  ['-d', FUNCS, '--import', 'data.fx', '-f', 'bindings', 'fx.lib.twice(2, y)'],
  ['-d', EMPTY_JSON, 'data'],
  ['-d', EMPTY_DATA_DIR, '-d', FUNCS, 'data'],
  [
    '-d',
    V1,
    '-i',
    INPUT,
    '--package',
    'lib',
    '--import',
    'data.authz',
    '-f',
    'bindings',
    'x := admins[_]; d := authz.decision',
  ],
];

for (const args of CASES) {
  test(`eval ${args.join(' ')}: same stdout and exit code as opa eval`, { skip }, async () => {
    const o = runOpa(['eval', ...args], { cwd: ROOT });
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const s = await semamesh(['eval', ...args]);
      assert.equal(s.status, o.status, s.stderr + o.stdout);
      assert.equal(s.stdout, o.stdout);
    } finally {
      process.chdir(cwd);
    }
  });
}

/**
 * Runs that fail: the same exit code (2 for load, compile and evaluation errors, 1 for a bad flag
 * value); opa's error document (stdout) and our located diagnostics (stderr) differ in form.
 */
const ERRORS: [number, string[]][] = [
  [2, ['-d', 'no/such/path', 'data']],
  [2, ['-b', 'no/such/bundle', 'data']],
  [2, ['-d', V1, 'data.authz.allow +']],
  [2, ['-d', V1, '--ignore', 'admins.rego', 'data.lib']],
  [1, ['-d', V1, '-f', 'nope', 'data']],
  [2, ['-d', V1, '--package', 'authz', 'nope']],
  [2, ['--import', 'foo.bar', 'true']],
  [2, ['--package', 'x-', 'true']],
];

for (const [code, args] of ERRORS) {
  test(`eval ${args.join(' ')}: an error in both, exit code ${code}`, { skip }, async () => {
    const o = runOpa(['eval', ...args], { cwd: ROOT });
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const s = await semamesh(['eval', ...args]);
      assert.equal(o.status, code, o.stdout + o.stderr);
      assert.equal(s.status, code, s.stderr);
      assert.ok(s.stderr.trim().length > 0);
    } finally {
      process.chdir(cwd);
    }
  });
}

test('eval -d on a folder with nothing to load: opa evaluates against nothing, we refuse with a reason', {
  skip,
}, async () => {
  assert.equal(runOpa(['eval', '-d', EMPTY, 'data']).status, 0);
  const s = await semamesh(['eval', '-d', EMPTY, 'data']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /no \.rego, \.json or \.yaml files were loaded from it/);
});

test('eval -d on a folder of SemaPolicy YAML: loaded as data like opa, with a note on how to compile it', {
  skip,
}, async () => {
  const yamls = join(dir, 'semapolicies');
  mkdirSync(yamls);
  cpSync(join(ROOT, 'examples', 'sample-policy.yaml'), join(yamls, 'policy.yaml'));
  const args = ['-d', yamls, '-f', 'raw', 'data.kind'];
  const o = runOpa(['eval', ...args]);
  const s = await semamesh(['eval', ...args]);
  assert.equal(s.status, o.status, o.stdout + o.stderr);
  assert.equal(s.stdout, o.stdout);
  assert.equal(s.stdout, 'SemaPolicy\n');
  assert.match(s.stderr, /holds SemaMesh resources, loaded as plain data/);
  // Several resources at the root of data conflict, in opa as in ours.
  const many = ['eval', '-d', 'examples/policy-repo/policies', 'data'];
  assert.equal(runOpa(many, { cwd: ROOT }).status, 2);
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const m = await semamesh(many);
    assert.equal(m.status, 2);
    assert.match(m.stderr, /conflicts with data from another file/);
  } finally {
    process.chdir(cwd);
  }
});

test('any .json/.yaml file under a -d folder is data at its directory, as opa loads it', {
  skip,
}, async () => {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'testdata', 'cases'), { recursive: true });
  writeFileSync(join(repo, 'policy.rego'), 'package p\n\nok if data.testdata.cases.want == 2\n');
  writeFileSync(join(repo, 'testdata', 'cases', 'fixture.json'), '{"want": 2}');
  writeFileSync(join(repo, 'testdata', 'more.yml'), 'extra: [1]\n');
  for (const q of ['data.p.ok', 'data.testdata']) {
    const o = runOpa(['eval', '-d', repo, q]);
    const s = await semamesh(['eval', '-d', repo, q]);
    assert.equal(s.status, o.status, s.stderr);
    assert.equal(s.stdout.replaceAll(repo, ''), o.stdout.replaceAll(repo, ''));
  }
});

test('eval -I reads the input from stdin, as opa eval -I', { skip }, () => {
  const input = JSON.stringify({ user: 'alice', action: 'delete' });
  const o = runOpa(['eval', '-I', '-d', V1, '-f', 'raw', 'data.authz.decision'], { cwd: ROOT, input });
  const s = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'cli/semamesh.ts', 'eval', '-I', '-d', V1, '-f', 'raw', 'data.authz.decision'],
    { cwd: ROOT, input, encoding: 'utf8' },
  );
  assert.equal(s.status, o.status, s.stderr);
  assert.equal(s.stdout, o.stdout);
});
