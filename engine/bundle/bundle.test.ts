// Tests for bundle writing and reading: round trip, determinism, and refusal of hostile archives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { EngineError } from '../errors.js';
import { encodeManifest, readBundle, writeBundle } from './index.js';

const WASM = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
const contents = {
  manifest: {
    revision: 'r1',
    roots: [''],
    wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }],
    rego_version: 1,
  },
  data: { limits: { max: 3 } },
  modules: [
    { file: 'policies/z.rego', source: 'package z\n' },
    { file: './policies/a.rego', source: 'package a\n\np := 1\n' },
  ],
  wasm: WASM,
};

/** A raw tar entry, so tests can build archives our writer would never produce. */
function rawEntry(path: string, body: string, type: 'File' | 'SymbolicLink' | 'Link' | 'Directory' = 'File') {
  const data = Buffer.from(body);
  const block = Buffer.alloc(512);
  new Header({
    path,
    mode: 0o644,
    size: type === 'File' ? data.length : 0,
    mtime: new Date(0),
    type,
    linkpath: type === 'File' ? '' : '/etc/passwd',
  }).encode(block, 0);
  if (type !== 'File') return [block];
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return [block, data, pad];
}
const tarGz = (...entries: Buffer[][]) => gzipSync(Buffer.concat([...entries.flat(), Buffer.alloc(1024)]));

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof EngineError && err.code === code);
}

test('a written bundle reads back with the same manifest, data, modules and wasm', () => {
  const bundle = readBundle(writeBundle(contents));
  assert.deepEqual(bundle.manifest, contents.manifest);
  assert.deepEqual(bundle.data, contents.data);
  assert.deepEqual(bundle.modules, [
    { file: '/policies/a.rego', source: 'package a\n\np := 1\n' },
    { file: '/policies/z.rego', source: 'package z\n' },
  ]);
  assert.deepEqual(bundle.wasm, WASM);
  assert.deepEqual(bundle.entrypoints, ['a/b']);
});

test('equal contents give byte-identical bundles', () => {
  assert.deepEqual(
    writeBundle(contents),
    writeBundle({ ...contents, modules: [...contents.modules].reverse() }),
  );
});

test('the manifest is encoded like Go json.Encoder: OPA field order, HTML escaping, newline', () => {
  const text = encodeManifest({
    metadata: { n: '<&>' },
    rego_version: 1,
    wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }],
    roots: [''],
    revision: 'x',
  });
  assert.equal(
    text,
    '{"revision":"x","roots":[""],"wasm":[{"entrypoint":"a/b","module":"/policy.wasm"}],"rego_version":1,"metadata":{"n":"\\u003c\\u0026\\u003e"}}\n',
  );
});

test('nested data.json files merge under their directory', () => {
  const bytes = tarGz(rawEntry('/data.json', '{"a":{"x":1}}'), rawEntry('/a/b/data.json', '{"y":2}'));
  assert.deepEqual(readBundle(bytes).data, { a: { x: 1, b: { y: 2 } } });
});

test('data.yaml files are read as YAML (yaml is loaded at the first one); broken YAML is a coded error', () => {
  const bytes = tarGz(rawEntry('/data.json', '{"a":{"x":1}}'), rawEntry('/a/c/data.yaml', 'z: [1, two]\n'));
  assert.deepEqual(readBundle(bytes).data, { a: { x: 1, c: { z: [1, 'two'] } } });
  assertCode(() => readBundle(tarGz(rawEntry('/data.yml', 'a: [1'))), 'SM_ERR_BUNDLE_DATA_INVALID');
});

test('hostile archives are refused with coded errors', () => {
  assertCode(() => readBundle(tarGz(rawEntry('../../etc/cron.d/x', 'boom'))), 'SM_ERR_BUNDLE_PATH_UNSAFE');
  assertCode(() => readBundle(tarGz(rawEntry('/a/../../x.rego', 'boom'))), 'SM_ERR_BUNDLE_PATH_UNSAFE');
  assertCode(() => readBundle(tarGz(rawEntry('/evil', '', 'SymbolicLink'))), 'SM_ERR_BUNDLE_ENTRY_TYPE');
  assertCode(() => readBundle(tarGz(rawEntry('/evil', '', 'Link'))), 'SM_ERR_BUNDLE_ENTRY_TYPE');
  assertCode(
    () => readBundle(tarGz(rawEntry('/x.rego', 'a'), rawEntry('x.rego', 'b'))),
    'SM_ERR_BUNDLE_CORRUPT',
  );
  assertCode(() => readBundle(Buffer.from('not a bundle')), 'SM_ERR_BUNDLE_CORRUPT');
  const truncated = Buffer.concat(rawEntry('/x.rego', 'x'.repeat(2000))).subarray(0, 1024);
  assertCode(() => readBundle(gzipSync(truncated)), 'SM_ERR_BUNDLE_CORRUPT');
  assertCode(
    () => readBundle(tarGz(rawEntry('/.manifest', '{"roots": "x"}'))),
    'SM_ERR_BUNDLE_MANIFEST_INVALID',
  );
  assertCode(
    () => readBundle(tarGz(rawEntry('/.manifest', '{"wasm":[{"entrypoint":"a","module":"/missing.wasm"}]}'))),
    'SM_ERR_BUNDLE_MISSING_ENTRY',
  );
  assertCode(() => readBundle(tarGz(rawEntry('/data.json', '[1]'))), 'SM_ERR_BUNDLE_DATA_INVALID');
});

test('a decompression bomb stops at the size limit', () => {
  const bomb = tarGz(rawEntry('/big.rego', 'x'.repeat(4 * 1024 * 1024)));
  assert.ok(bomb.length < 64 * 1024);
  assertCode(() => readBundle(bomb, { maxBytes: 1024 * 1024 }), 'SM_ERR_BUNDLE_TOO_LARGE');
});

test('a __proto__ key in data stays data and never becomes a prototype', () => {
  const bundle = readBundle(tarGz(rawEntry('/data.json', '{"__proto__":{"polluted":true}}')));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(bundle.data), ['__proto__']);
});
