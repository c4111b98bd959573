// `semamesh test` against `opa test` on the shipped library (policies/) and the fixture repositories
// in OPA's layout (v1, v0, bundles): the same verdicts, the same `--format json` document, the same
// pretty report and the same exit code. Normalised: durations, and the order of results (opa's
// order varies from run to run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findOpa, runOpa } from '../../engine/reference/opa.js';

const { skip } = findOpa();
const ROOT = join(import.meta.dirname, '..', '..');

/** `semamesh test <args>` as a user runs it (its own process, from the repository root). */
function ours(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/semamesh.ts', 'test', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const theirs = (args: string[]) => runOpa(['test', ...args], { cwd: ROOT });

interface JsonResult {
  location: { file: string; row: number; col: number };
  duration?: number;
  sub_results?: Record<string, JsonResult>;
}

/** opa numbers same-named tests (`test_x#01`) in an order that varies between its own runs. */
const unnumbered = (name: string) => name.replace(/#\d+$/, '');

/**
 * The JSON document with durations zeroed and duplicate numbering dropped, sorted by location; the
 * numbered names are returned apart, as a sorted list.
 */
function normalJson(text: string): { results: unknown; names: string[] } {
  const items = JSON.parse(text) as (JsonResult & { name: string })[];
  const zero = (r: JsonResult): JsonResult => ({
    ...r,
    ...(r.duration === undefined ? {} : { duration: 0 }),
    ...(r.sub_results
      ? { sub_results: Object.fromEntries(Object.entries(r.sub_results).map(([k, v]) => [k, zero(v)])) }
      : {}),
  });
  const key = (r: JsonResult) => `${r.location.file}:${String(r.location.row).padStart(6, '0')}`;
  return {
    results: items
      .map((r) => ({ ...zero(r), name: unnumbered(r.name) }))
      .sort((a, b) => key(a).localeCompare(key(b))),
    names: items.map((r) => r.name).sort(),
  };
}

/**
 * The pretty report's lines, sorted (opa prints files in varying order), without durations, blank
 * lines, duplicate numbering, and the evaluation trace opa's -v prints under a failure (topdown's
 * trace: our tests run in wasm, which has none).
 */
const normalPretty = (text: string) =>
  text
    .replace(/ \(\d+(\.\d+)?(ns|µs|ms|s|m)\)/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^ {2}(query:\d+|\S+\.rego:\d+) {2,}/.test(l))
    .map((l) => l.replace(/#\d+(?=: )/, ''))
    .sort();

const REPOS: [string, string[]][] = [
  ['the shipped library', ['policies']],
  ['a package split across files', ['engine/tester/fixtures/split-package']],
  ['duplicate, parametrised, printing and todo tests', ['engine/tester/fixtures/opa-test-features']],
  ['a v1 bundle directory', ['-b', 'test/interop/fixtures/bundle-v1']],
  ['a v0 bundle directory (manifest rego_version 0)', ['-b', 'test/interop/fixtures/bundle-v0']],
  ['a v0 repository (--v0-compatible)', ['--v0-compatible', 'engine/tester/fixtures/v0']],
  ['file_rego_versions in a manifest', ['-b', 'engine/tester/fixtures/v0-manifest']],
  ['the example policy repository', ['examples/policy-repo/rego']],
];

for (const [name, args] of REPOS) {
  test(`opa test vs semamesh test on ${name}: same JSON document and exit code`, { skip }, () => {
    const o = theirs(['--format', 'json', ...args]);
    const s = ours(['--format', 'json', ...args]);
    assert.equal(s.status, o.status, s.stderr);
    assert.ok(o.stdout.trim().startsWith('['), o.stdout + o.stderr);
    assert.deepEqual(normalJson(s.stdout), normalJson(o.stdout));
  });
}

test('opa test -b vs semamesh test -b on a bundle tarball from semamesh build', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-interop-test-'));
  try {
    const bundle = join(dir, 'bundle.tar.gz');
    const b = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/semamesh.ts',
        'build',
        '-t',
        'rego',
        '-b',
        'test/interop/fixtures/bundle-v1',
        '-o',
        bundle,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(b.status, 0, b.stderr);
    const o = theirs(['--format', 'json', '-b', bundle]);
    const s = ours(['--format', 'json', '-b', bundle]);
    assert.equal(s.status, o.status, s.stderr);
    assert.deepEqual(normalJson(s.stdout), normalJson(o.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const args of [
  ['-v', 'engine/tester/fixtures/opa-test-features'],
  ['-b', 'test/interop/fixtures/bundle-v1'],
  ['-z', 'engine/tester/fixtures/opa-test-features'],
  ['--run', 'grant', '-b', 'test/interop/fixtures/bundle-v1'],
  ['-t', 'rego', '-p', '2', '--ignore', 'lib', '-b', 'test/interop/fixtures/bundle-v1'],
]) {
  test(`opa test vs semamesh test ${args.join(' ')}: same report and exit code`, { skip }, () => {
    const o = theirs(args);
    const s = ours(args);
    assert.equal(s.status, o.status, s.stderr);
    assert.deepEqual(normalPretty(s.stdout), normalPretty(o.stdout));
  });
}
