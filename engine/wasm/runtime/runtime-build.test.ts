// Checks that the committed runtime.wasm matches its C source and keeps the ABI.md contract.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadNatives, runtimeDir, wasmApi } from './runtime-harness.js';

const root = new URL('../../../', import.meta.url).pathname;
const module = new wasmApi.Module(readFileSync(new URL('runtime.wasm', import.meta.url)));

/** Every function ABI.md promises (codegen looks them up by export name). */
const abiFunctions = [
  'opa_malloc_init',
  'opa_malloc',
  'opa_free',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_null',
  'opa_boolean',
  'opa_number_int',
  'opa_number_ref',
  'opa_number_float',
  'opa_string',
  'opa_string_copy',
  'opa_array_with_cap',
  'opa_array_append',
  'opa_object',
  'opa_object_insert',
  'opa_set',
  'opa_set_add',
  'opa_value_type',
  'opa_value_compare',
  'opa_value_equal',
  'opa_value_hash',
  'opa_value_get',
  'opa_value_iter',
  'opa_value_length',
  'opa_value_merge',
  'opa_value_shallow_copy',
  'opa_value_boolean',
  'opa_value_number_set_int',
  'opa_value_add_path',
  'opa_value_remove_path',
  'opa_json_parse',
  'opa_value_parse',
  'opa_json_dump',
  'opa_value_dump',
  'opa_runtime_error',
  'opa_memoize_init',
  'opa_memoize_push',
  'opa_memoize_pop',
  'opa_memoize_insert',
  'opa_memoize_get',
  'opa_mapping_init',
  'opa_mapping_lookup',
  'opa_host_arg_set',
  'opa_host_arg',
  'opa_eval_ctx_new',
  'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  'opa_eval',
  'eval',
  'builtins',
  'entrypoints',
];

describe('runtime.wasm build', () => {
  it('is byte-identical to a fresh build of its sources (scripts/build-runtime.sh --check)', () => {
    const r = spawnSync('bash', [`${root}scripts/build-runtime.sh`, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('imports exactly the env functions of ABI.md, in order, and a small memory', () => {
    const imports = wasmApi.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
    assert.deepEqual(imports, [
      'env.memory:memory',
      'env.opa_abort:function',
      'env.opa_println:function',
      'env.opa_builtin0:function',
      'env.opa_builtin1:function',
      'env.opa_builtin2:function',
      'env.opa_builtin3:function',
      'env.opa_builtin4:function',
    ]);
    // memory import limits: the 5-page default of the SDK must satisfy the minimum
    const memory = new wasmApi.Memory({ initial: 2 });
    const noop = (): number => 0;
    const env = Object.fromEntries(
      ['opa_abort', 'opa_println', ...[0, 1, 2, 3, 4].map((n) => `opa_builtin${n}`)].map((n) => [n, noop]),
    );
    assert.doesNotThrow(() => new wasmApi.Instance(module, { env: { ...env, memory } }));
  });

  it('exports every ABI function, __heap_base and every native of natives.json', () => {
    const exports = new Map(wasmApi.Module.exports(module).map((e) => [e.name, e.kind]));
    for (const name of abiFunctions) assert.equal(exports.get(name), 'function', name);
    assert.equal(exports.get('__heap_base'), 'global');
    const natives = loadNatives();
    assert.ok(Object.keys(natives).length >= 90);
    for (const [rego, name] of Object.entries(natives)) assert.equal(exports.get(name), 'function', rego);
    assert.ok(runtimeDir.endsWith('/engine/wasm/runtime/'));
  });
});
