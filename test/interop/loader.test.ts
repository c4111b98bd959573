// Which files opa's loader takes from a tree with hidden files and folders, `.git` and
// `node_modules`, checked side by side with the real opa for `eval -d`, `eval -b`, `build` (plain
// and -b) and `test`, with and without `--ignore`: both must load the same modules and data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { readBundleFiles } from '../../controller/bundle-server/bundle-files.js';
import { findOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findOpa();
const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TREE: Record<string, string> = {
  '.hid/data.json': '{"a": 1}',
  '.hid/sub/data.json': '{"b": 2}',
  '.hid/p.rego': 'package hid\n\nx := 1\n',
  '..x/data.json': '{"v": 1}',
  'y./data.json': '{"v": 2}',
  'vis/.inner/data.json': '{"c": 3}',
  'vis/.dotfile.json': '{"e": 5}',
  'vis/.y.yaml': 'k: 1\n',
  'vis/data.json': '{"f": 6}',
  'vis/.p.rego': 'package dotrego\n\ny := 1\n',
  'vis/p.rego': 'package vis\n\nz := 1\n',
  'vis/notes.txt': 'not loaded\n',
  'node_modules/nm/data.json': '{"g": 7}',
  '.git/data.json': '{"h": 8}',
  '.c/d/data.yaml': 'w: 9\n',
  't/.hidden_test.rego': 'package t\n\ntest_hidden if data.hid.x == 1\n',
  't/t_test.rego': 'package t\n\ntest_visible if data.vis.z == 1\n',
};
const TREE_DIR = join(dir, 'tree');
for (const [name, body] of Object.entries(TREE)) {
  mkdirSync(dirname(join(TREE_DIR, name)), { recursive: true });
  writeFileSync(join(TREE_DIR, name), body);
}

const IGNORES: string[][] = [[], ['--ignore', '.*'], ['--ignore', '.git,node_modules'], ['--ignore', '.hid']];

for (const ignore of IGNORES) {
  for (const mode of ['-d', '-b']) {
    test(`eval ${mode} ${ignore.join(' ')}: the same data and modules as opa eval`, { skip }, async () => {
      const args = ['eval', ...ignore, mode, TREE_DIR, '-f', 'values', 'data'];
      const o = runOpa(args);
      const s = await semamesh(args);
      assert.equal(s.status, o.status, s.stderr + o.stdout);
      assert.deepEqual(JSON.parse(s.stdout), JSON.parse(o.stdout));
    });
  }

  test(`test ${ignore.join(' ')}: opa test runs the same tests, hidden files included`, {
    skip,
  }, async () => {
    const args = ['test', ...ignore, '--format', 'json', TREE_DIR];
    const o = runOpa(args);
    // `semamesh test` writes its report to stdout directly: run it as its own process.
    const s = spawnSync(process.execPath, ['--import', 'tsx', 'cli/semamesh.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(s.status, o.status, s.stderr);
    const names = (text: string) =>
      (JSON.parse(text) as { package: string; name: string; fail?: boolean }[])
        .map((r) => `${r.package}.${r.name}:${r.fail ? 'FAIL' : 'PASS'}`)
        .sort();
    assert.ok(names(o.stdout).length > 0);
    assert.deepEqual(names(s.stdout), names(o.stdout));
  });

  for (const mode of [[], ['-b']]) {
    test(`build -t rego ${mode.join(' ')} ${ignore.join(' ')}: the same files and data as opa build`, {
      skip,
    }, async () => {
      const theirs = join(dir, 'opa.tar.gz');
      const ours = join(dir, 'ours.tar.gz');
      const args = ['build', '-t', 'rego', ...ignore, ...mode, TREE_DIR];
      const o = runOpa([...args, '-o', theirs]);
      const s = await semamesh([...args, '-o', ours]);
      assert.equal(s.status, o.status, s.stderr + o.stdout + o.stderr);
      if (o.status !== 0) return;
      const summary = (path: string) => {
        const files = readBundleFiles(readFileSync(path));
        return {
          names: files.map((f) => f.name.replace(/^\/?/, '/')).sort(),
          data: JSON.parse(files.find((f) => /^\/?data\.json$/.test(f.name))?.body.toString() ?? 'null'),
        };
      };
      assert.deepEqual(summary(ours), summary(theirs));
    });
  }
}
