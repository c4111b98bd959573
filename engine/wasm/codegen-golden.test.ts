// Golden .wat output of the code generator for a few IR cases, compiled against a stand-in runtime
// (fixtures/stub-runtime.wat) so the goldens change only when the generated code does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as ir from '../plan/ir.js';
import { WasmModule } from './binary/index.js';
import { generateWasm, WasmError } from './index.js';
import { B, block, L, PolicyBuilder } from './testing/ir-builder.js';
import {
  assertGolden,
  fixturePath,
  wabtValidate,
  wasmToWat,
  watToWasm,
  webAssembly,
} from './testing/wasm-tools.js';

const runtime = watToWasm(fixturePath('stub-runtime.wat'));
const natives = { count: 'opa_agg_count' };
const ret = (): ir.Block => block({ kind: 'ReturnLocal', source: 2 });

function golden(name: string, b: PolicyBuilder): void {
  const wasm = generateWasm(b.build(), { runtime, natives });
  assert.deepEqual(generateWasm(b.build(), { runtime, natives }), wasm, 'generation is deterministic');
  assert.ok(webAssembly.validate(wasm));
  assert.equal(wabtValidate(wasm), undefined);
  assertGolden(`${name}.wat`, wasmToWat(wasm));
}

describe('codegen golden output', () => {
  test('constant rule: memoized function, eval dispatch, builtins/entrypoints, start', () => {
    const b = new PolicyBuilder();
    const f = b.func(['pkg', 'p'], [block({ kind: 'AssignVarOnce', source: b.s('v'), target: 2 }), ret()]);
    b.resultPlan('pkg/p', f);
    golden('constant-rule', b);
  });

  test('scan and not: partial set with a negated condition', () => {
    const b = new PolicyBuilder();
    const f = b.func(
      ['pkg', 's'],
      [
        block({ kind: 'MakeSet', target: 2 }),
        block({
          kind: 'Scan',
          source: 0,
          key: 3,
          value: 4,
          block: block(
            { kind: 'Not', block: block({ kind: 'Equal', a: L(4), b: B(false) }) },
            { kind: 'SetAdd', value: L(3), set: 2 },
          ),
        }),
        ret(),
      ],
    );
    b.resultPlan('pkg/s', f);
    golden('scan-not', b);
  });

  test('calls: native, host, dynamic, with, and conflicts', () => {
    const b = new PolicyBuilder();
    const file = b.file('x.rego');
    b.builtin('count', 1);
    b.builtin('custom.h', 2);
    const q = b.func(['pkg', 'q'], [block({ kind: 'Call', func: 'count', args: [L(0)], result: 2 }), ret()]);
    const f = b.func(
      ['pkg', 'f'],
      [
        block(
          { kind: 'Call', func: 'custom.h', args: [L(0), L(1)], result: 3 },
          { kind: 'CallDynamic', path: [b.s('g0'), b.s('data'), L(3)], args: [0, 1], result: 4 },
          {
            kind: 'With',
            local: 0,
            path: [b.strIndex('a'), b.strIndex('b')],
            value: L(4),
            block: block({ kind: 'Call', func: q, args: [L(0), L(1)], result: 5 }),
          },
          { kind: 'ObjectInsertOnce', key: b.s('k'), value: L(5), object: 6, loc: { file, row: 3, col: 5 } },
          { kind: 'AssignVarOnce', source: L(5), target: 2, loc: { file, row: 4, col: 1 } },
        ),
        ret(),
      ],
      { args: [7] },
    );
    b.plan('calls', [
      block(
        { kind: 'Call', func: f, args: [L(0), L(1), L(0)], result: 2 },
        { kind: 'ResultSetAdd', value: 2 },
      ),
    ]);
    golden('calls', b);
  });

  test('a runtime that breaks ABI.md is a coded error', () => {
    const isAbi = (pattern: RegExp) => (e: unknown) =>
      e instanceof WasmError && e.code === 'SM_ERR_WASM_RUNTIME_ABI' && pattern.test(e.message);
    const b = new PolicyBuilder();
    b.builtin('count', 1);
    b.resultPlan(
      'p',
      b.func(['p'], [block({ kind: 'Call', func: 'count', args: [L(0)], result: 2 }), ret()]),
    );
    assert.throws(
      () => generateWasm(b.build(), { runtime, natives: { count: 'opa_nope' } }),
      isAbi(/opa_nope/),
    );
    assert.throws(
      () => generateWasm(b.build(), { runtime: WasmModule.empty().toBytes() }),
      isAbi(/__heap_base/),
    );
    const noMemo = WasmModule.parse(runtime);
    noMemo.removeExport('opa_memoize_get');
    noMemo.sections.names?.functionNames.clear();
    assert.throws(
      () => generateWasm(b.build(), { runtime: noMemo.toBytes(), natives }),
      isAbi(/opa_memoize_get/),
    );
  });
});
