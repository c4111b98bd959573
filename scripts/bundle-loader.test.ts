// The bin's loader (scripts/bundle-loader.mjs) with a small bundle of its own: it runs the bundle
// whatever its code cache holds (none, garbage, one made for another source), writes a cache once
// the CLI has run for 3 s, reads it back, and never reads or writes a cache folder another user
// could write to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const work = mkdtempSync(join(tmpdir(), 'semamesh-loader-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A checkout-like folder: bin at cli/semamesh.js, bundle at cli/bundle/main.cjs printing `text`. */
function install(name: string, text: string, lingerMs = 0): string {
  const cli = join(work, name, 'cli');
  mkdirSync(join(cli, 'bundle'), { recursive: true });
  writeFileSync(join(work, name, 'package.json'), '{"type":"module"}');
  const loader = readFileSync(new URL('./bundle-loader.mjs', import.meta.url), 'utf8');
  writeFileSync(join(cli, 'semamesh.js'), loader.replace('__BUILD__', `test-${name}`));
  writeFileSync(
    join(cli, 'bundle', 'main.cjs'),
    `(function (module, exports, require, __filename, __dirname, __bundleUrl, __bundleResolve, __bundleImport) {
  "use strict";
  const { basename } = require('node:path');
  process.stdout.write(${JSON.stringify(text)} + ' ' + basename(__filename) + ' ' + __bundleUrl('../x.js').slice(-8));
  __bundleImport('node:os').then((os) => process.stdout.write(' ' + typeof os.tmpdir));
  setTimeout(() => {}, ${lingerMs});
})`,
  );
  return join(cli, 'semamesh.js');
}

function run(bin: string, cacheDir: string) {
  const r = spawnSync(process.execPath, [bin], {
    encoding: 'utf8',
    env: { ...process.env, NODE_COMPILE_CACHE: cacheDir, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

const caches = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cache')) : []);

test('the bundle runs without a cache, and a start that lives 3 s writes one the next start reads', () => {
  const bin = install('a', 'hello', 3500);
  const dir = join(work, 'cache-a');
  assert.equal(run(bin, dir), 'hello main.cjs cli/x.js function');
  assert.deepEqual(caches(dir), [`test-a-${process.version}-${process.arch}.cache`]);
  assert.equal(run(bin, dir), 'hello main.cjs cli/x.js function');
});

test('a cache that is garbage or made for other code only costs a compile', () => {
  const dir = join(work, 'cache-b');
  const bin = install('b', 'first', 3500);
  run(bin, dir);
  const [name] = caches(dir);
  assert.ok(name);
  // The bundle changes under the same name (a rebuild the loader's hash did not see): V8 refuses.
  install('b', 'second, longer text');
  assert.equal(run(bin, dir), 'second, longer text main.cjs cli/x.js function');
  writeFileSync(join(dir, name), 'not a code cache');
  assert.equal(run(bin, dir), 'second, longer text main.cjs cli/x.js function');
  // A shipped cache for this Node that is garbage too.
  writeFileSync(join(work, 'b', 'cli', 'bundle', `main-${process.version}-${process.arch}.cache`), 'junk');
  rmSync(dir, { recursive: true });
  assert.equal(run(bin, dir), 'second, longer text main.cjs cli/x.js function');
});

test('a cache folder others can write to is neither read nor written', () => {
  const bin = install('c', 'shared', 3500);
  const dir = join(work, 'cache-c');
  mkdirSync(dir, { mode: 0o777 });
  chmodSync(dir, 0o777);
  const planted = join(dir, `test-c-${process.version}-${process.arch}.cache`);
  // Read, it would be refused and replaced after 3 s; left alone, it stays as it is.
  writeFileSync(planted, 'planted');
  assert.equal(run(bin, dir), 'shared main.cjs cli/x.js function');
  assert.equal(readFileSync(planted, 'utf8'), 'planted');
  assert.deepEqual(caches(dir), [`test-c-${process.version}-${process.arch}.cache`]);
});
