// `semamesh build` against `opa build` on bundle directories in OPA's layout: the same file list,
// manifest (revision, roots, metadata, rego_version, wasm entrypoints), data and Rego sources, and
// the same refusals (data or packages outside the roots, a wasm module the manifest names but lacks).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { readBundleFiles } from '../../controller/bundle-server/bundle-files.js';
import { findOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findOpa();
const ROOT = join(import.meta.dirname, '..', '..');
/** Fixture paths relative to the repository, so both tools name the bundle's files alike. */
const fixture = (name: string) => relative(ROOT, join(import.meta.dirname, 'fixtures', name));
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  files: string[];
  manifest: Record<string, unknown>;
  data: unknown;
  sources: Record<string, string>;
}

/**
 * What a bundle holds, for comparison, normalised where the tools must differ today:
 * - policy.wasm is each compiler's own: its presence is compared, not its bytes;
 * - opa writes the Rego sources of a bundle formatted (opa fmt), we write them as read: sources are
 *   compared without whitespace;
 * - for a wasm target both move the entrypoint rules, and the rules that depend on them, out of
 *   the .rego into the wasm (listed as entrypoints), importing them back: compared in full.
 */
function summarise(path: string): Summary {
  const files = readBundleFiles(readFileSync(path));
  const manifest = JSON.parse(files.find((f) => f.name === '.manifest')?.body.toString() ?? '{}');
  return {
    files: files.map((f) => f.name).sort(),
    manifest,
    data: JSON.parse(files.find((f) => f.name === 'data.json')?.body.toString() ?? 'null'),
    sources: Object.fromEntries(
      files
        .filter((f) => f.name.endsWith('.rego'))
        .map((f) => [f.name, f.body.toString().replace(/\s+/g, '')]),
    ),
  };
}

const CASES: [string, string[]][] = [
  ['v1, rego target', ['-b', fixture('bundle-v1'), '-t', 'rego']],
  [
    'v1, wasm target',
    ['-b', fixture('bundle-v1'), '-t', 'wasm', '-e', 'authz/decision', '-e', 'authz/allow'],
  ],
  [
    'v1, --revision and --ignore',
    ['-b', fixture('bundle-v1'), '-t', 'rego', '--revision', 'r9', '--ignore', '*_test.rego'],
  ],
  ['v0 manifest, rego target', ['-b', fixture('bundle-v0'), '-t', 'rego']],
  [
    'v1, wasm target, one entrypoint with dependents',
    ['-b', fixture('bundle-v1'), '-t', 'wasm', '-e', 'authz/allow'],
  ],
  ['v0 manifest, wasm target', ['-b', fixture('bundle-v0'), '-t', 'wasm', '-e', 'authz/allow']],
  ['v0 by flag, not a bundle', [fixture('bundle-v0/authz'), '-t', 'rego', '--v0-compatible']],
  ['plain directory', [fixture('bundle-v1'), '-t', 'rego']],
];

for (const [name, args] of CASES) {
  test(`build ${name}: the bundle holds what opa build's holds`, { skip }, async () => {
    const theirs = join(dir, `opa-${name.replace(/\W+/g, '-')}.tar.gz`);
    const ours = join(dir, `ours-${name.replace(/\W+/g, '-')}.tar.gz`);
    const o = runOpa(['build', ...args, '-o', theirs], { cwd: ROOT });
    assert.equal(o.status, 0, o.stdout + o.stderr);
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await semamesh(['build', ...args, '-o', ours]);
      assert.equal(r.status, 0, r.stderr);
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(summarise(ours), summarise(theirs));
  });
}

for (const bad of ['bad-roots', 'bad-package', 'missing-wasm']) {
  test(`build -b ${bad}: refused by both with the same reason`, { skip }, async () => {
    const o = runOpa(['build', '-b', fixture(bad), '-o', join(dir, 'x.tar.gz')], { cwd: ROOT });
    assert.equal(o.status, 1);
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await semamesh(['build', '-t', 'rego', '-b', fixture(bad), '-o', join(dir, 'y.tar.gz')]);
      assert.equal(r.status, 1);
      const reason = r.stderr.replace(/^semamesh build: /, '').trim();
      assert.ok(reason.length > 0);
      assert.ok((o.stdout + o.stderr).includes(reason), `${reason}\nvs\n${o.stdout + o.stderr}`);
    } finally {
      process.chdir(cwd);
    }
  });
}

test('--capabilities: opa capabilities --current allows the policies; without concat both refuse its call', {
  skip,
}, async () => {
  const current = runOpa(['capabilities', '--current']);
  assert.equal(current.status, 0);
  const caps = JSON.parse(current.stdout) as { builtins: { name: string }[] };
  const full = join(dir, 'caps.json');
  const reduced = join(dir, 'caps-no-concat.json');
  writeFileSync(full, current.stdout);
  writeFileSync(
    reduced,
    JSON.stringify({ ...caps, builtins: caps.builtins.filter((b) => b.name !== 'concat') }),
  );
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    for (const [file, ok] of [
      [full, true],
      [reduced, false],
    ] as const) {
      for (const target of [
        ['-t', 'rego'],
        ['-t', 'wasm', '-e', 'authz/decision'],
      ]) {
        const args = ['-b', fixture('bundle-v1'), ...target, '--capabilities', file];
        const o = runOpa(['build', ...args, '-o', join(dir, 'c1.tar.gz')]);
        const s = await semamesh(['build', ...args, '-o', join(dir, 'c2.tar.gz')]);
        assert.equal(o.status, ok ? 0 : 1, o.stdout + o.stderr);
        assert.equal(s.status, o.status, s.stderr);
        if (!ok) {
          assert.match(o.stdout + o.stderr, /policy\.rego:16: rego_type_error: undefined function concat/);
          assert.match(s.stderr, /policy\.rego:16:\d+: rego_type_error: undefined function concat/);
        }
      }
    }
    // The shipped library calls nothing the current opa lacks.
    const lib = await semamesh([
      'build',
      '-e',
      'semamesh/decision',
      'policies',
      '--capabilities',
      full,
      '-o',
      join(dir, 'c3.tar.gz'),
    ]);
    assert.equal(lib.status, 0, lib.stderr);
  } finally {
    process.chdir(cwd);
  }
});
