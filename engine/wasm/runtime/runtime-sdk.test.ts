// End-to-end check that runtime.wasm works under the unmodified @open-policy-agent/opa-wasm SDK:
// the stub eval is swapped (with wabt) for a tiny hand-written one, as the code generator would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { loadRuntime, runtimeDir } from './runtime-harness.js';

// eval(ctx): ctx.result = {{"result": [input, data, count(input)]}}. The key text sits in a data
// segment at __heap_base, so the start function starts the heap 8 bytes later.
const evalBody = (heapBase: number): string => `(func $eval (param $ctx i32) (result i32)
    (local $rs i32) (local $row i32) (local $out i32)
    (local.set $rs (call $opa_set))
    (local.set $row (call $opa_object))
    (local.set $out (call $opa_array_with_cap (i32.const 3)))
    (call $opa_array_append (local.get $out) (i32.load (local.get $ctx)))
    (call $opa_array_append (local.get $out) (i32.load offset=4 (local.get $ctx)))
    (call $opa_array_append (local.get $out) (call $opa_agg_count (i32.load (local.get $ctx))))
    (call $opa_object_insert (local.get $row) (call $opa_string (i32.const ${heapBase}) (i32.const 6)) (local.get $out))
    (call $opa_set_add (local.get $rs) (local.get $row))
    (i32.store offset=8 (local.get $ctx) (local.get $rs))
    (i32.const 0))
`;

function buildProbePolicy(dir: string): Uint8Array {
  const wat = execFileSync('wasm2wat', [join(runtimeDir, 'runtime.wasm')], {
    maxBuffer: 64 << 20,
  }).toString();
  const start = wat.indexOf('  (func $eval ');
  const end = wat.indexOf('\n  (', start + 1);
  assert.ok(start > 0 && end > start, 'stub eval not found');
  const heapBase = loadRuntime().heapBase;
  const extra = `
  (global (export "opa_wasm_abi_version") i32 (i32.const 1))
  (global (export "opa_wasm_abi_minor_version") i32 (i32.const 2))
  (data (i32.const ${heapBase}) "result")
  (func $probe_init (call $opa_malloc_init (i32.const ${heapBase + 8})))
  (start $probe_init)`;
  let patched = `${wat.slice(0, start)}  ${evalBody(heapBase)}${wat.slice(end + 1)}`;
  const close = patched.lastIndexOf(')');
  patched = `${patched.slice(0, close)}${extra})\n`;
  writeFileSync(join(dir, 'probe.wat'), patched);
  execFileSync('wat2wasm', [join(dir, 'probe.wat'), '-o', join(dir, 'probe.wasm')]);
  return readFileSync(join(dir, 'probe.wasm'));
}

describe('runtime.wasm in the opa-wasm SDK', () => {
  let dir = '';
  let bytes: Uint8Array;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sm-runtime-'));
    bytes = buildProbePolicy(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates repeatedly with data, input and the heap reset between calls', async () => {
    const policy = await loadPolicy(bytes);
    policy.setData({ roles: { alice: ['admin'] }, big: 1.5e300 });
    for (let i = 0; i < 50; i++) {
      const input = { user: 'alice', i, note: 'héllo ✓', tags: ['a', 'b'] };
      const res = policy.evaluate(input);
      assert.deepEqual(res, [{ result: [input, { roles: { alice: ['admin'] }, big: 1.5e300 }, 4] }]);
    }
    policy.setData({ v: 2 });
    assert.deepEqual(policy.evaluate({ a: 1 }), [{ result: [{ a: 1 }, { v: 2 }, 1] }]);
  });

  it('treats an absent input as undefined and parses Rego set literals from raw input', async () => {
    const policy = await loadPolicy(bytes);
    assert.deepEqual(policy.evaluate(undefined), [{ result: [{}] }]);
    const raw = new TextEncoder().encode('{"s": {3, 1, 2}}');
    assert.deepEqual(policy.evaluate(raw.buffer), [{ result: [{ s: [1, 2, 3] }, {}, 1] }]);
  });

  it('grows memory during evaluation for a large input', async () => {
    const policy = await loadPolicy(bytes);
    const input = { rows: Array.from({ length: 40000 }, (_, i) => ({ id: i, text: `row ${i}` })) };
    for (let i = 0; i < 3; i++) {
      const [row] = policy.evaluate(input) as [{ result: [typeof input, object, number] }];
      assert.equal(row.result[0].rows.length, 40000);
      assert.deepEqual(row.result[0].rows[39999], { id: 39999, text: 'row 39999' });
    }
  });
});
