// Calls in generated policies (host and native builtins, planned and dynamic calls, memoization),
// entrypoint dispatch, the remaining value statements, and compile errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type * as ir from '../plan/ir.js';
import { WasmModule } from './binary/index.js';
import { generateWasm, WasmError } from './index.js';
import { B, block, L, PolicyBuilder } from './testing/ir-builder.js';
import { jsonInput, loadPolicy } from './testing/wasm-tools.js';

const ret = (): ir.Block => block({ kind: 'ReturnLocal', source: 2 });
const once = (source: ir.Operand): ir.Stmt => ({ kind: 'AssignVarOnce', source, target: 2 });
const runtime = new Uint8Array(readFileSync(new URL('./runtime/runtime.wasm', import.meta.url)));

describe('calls and entrypoints', () => {
  test('host builtins go through opa_builtinN with ids from builtins()', async () => {
    const b = new PolicyBuilder();
    b.builtin('custom.unused', 0);
    const greet = b.builtin('custom.greet', 2);
    const nothing = b.builtin('custom.nothing', 1);
    const f = b.func(
      ['pkg', 'g'],
      [
        block(
          { kind: 'Dot', source: L(0), key: b.s('name'), target: 3 },
          { kind: 'Call', func: greet, args: [b.s('hello'), L(3)], result: 4 },
          once(L(4)),
        ),
        ret(),
      ],
    );
    const u = b.func(
      ['pkg', 'u'],
      [block({ kind: 'Call', func: nothing, args: [L(0)], result: 3 }, once(B(true))), ret()],
    );
    b.resultPlan('g', f).resultPlan('u', u);
    const calls: unknown[][] = [];
    const pol = await loadPolicy(generateWasm(b.build()), {
      'custom.greet': (...args: unknown[]) => {
        calls.push(args);
        return `${args[0]}, ${args[1]}`;
      },
      'custom.nothing': () => undefined,
    });
    assert.deepEqual(pol.evaluate(jsonInput({ name: 'alice' }), 'g'), [{ result: 'hello, alice' }]);
    assert.deepEqual(calls, [['hello', 'alice']]);
    assert.deepEqual(pol.evaluate(jsonInput({}), 'g'), []);
    assert.deepEqual(pol.evaluate(jsonInput({}), 'u'), []);
  });

  test('native builtins call the runtime export named in the natives table', async () => {
    const b = new PolicyBuilder();
    const copy = b.builtin('test.copy', 1);
    const f = b.func(
      ['pkg', 'c'],
      [block({ kind: 'Call', func: copy, args: [L(0)], result: 3 }, once(L(3))), ret()],
    );
    b.resultPlan('c', f);
    const wasm = generateWasm(b.build(), { runtime, natives: { 'test.copy': 'opa_value_shallow_copy' } });
    const pol = await loadPolicy(wasm, {});
    assert.deepEqual(pol.evaluate(jsonInput({ a: [1] }), 'c'), [{ result: { a: [1] } }]);
  });

  test('native builtins from natives.json (count, plus, upper) stay out of builtins()', async () => {
    const b = new PolicyBuilder();
    b.builtin('count', 1);
    b.builtin('plus', 2);
    b.builtin('upper', 1);
    const f = b.func(
      ['pkg', 'n'],
      [
        block(
          { kind: 'Dot', source: L(0), key: b.s('xs'), target: 3 },
          { kind: 'Call', func: 'count', args: [L(3)], result: 4 },
          { kind: 'MakeNumberInt', value: 40n, target: 5 },
          { kind: 'Call', func: 'plus', args: [L(4), L(5)], result: 6 },
          { kind: 'Call', func: 'upper', args: [b.s('ok')], result: 7 },
          { kind: 'MakeArray', capacity: 2, target: 8 },
          { kind: 'ArrayAppend', value: L(6), array: 8 },
          { kind: 'ArrayAppend', value: L(7), array: 8 },
          once(L(8)),
        ),
        ret(),
      ],
    );
    b.resultPlan('n', f);
    const wasm = generateWasm(b.build());
    const m = WasmModule.parse(wasm);
    assert.ok((m.memoryLimits()?.min ?? 99) <= 5, 'the memory import fits the SDK default of 5 pages');
    const exported = m.sections.exports.map((e) => e.name);
    for (const name of [
      'opa_eval',
      'opa_malloc',
      'opa_json_dump',
      'builtins',
      'entrypoints',
      'memory',
      'opa_wasm_abi_version',
    ])
      assert.ok(exported.includes(name), `exports ${name}`);
    assert.ok(
      !exported.includes('opa_agg_count') && !exported.includes('__heap_base'),
      'runtime internals are not exported',
    );
    const pol = await loadPolicy(wasm, {});
    assert.deepEqual(pol.evaluate(jsonInput({ xs: [1, 2] })), [{ result: [42, 'OK'] }]);
    // A type error in a native builtin is undefined (no strict mode).
    assert.deepEqual(pol.evaluate(jsonInput({ xs: 5 })), []);
  });

  test('two entrypoints, numeric ids, and an illegal id', async () => {
    const b = new PolicyBuilder();
    const one = b.func(['a'], [block({ kind: 'MakeNumberInt', value: 1n, target: 3 }, once(L(3))), ret()]);
    const two = b.func(
      ['b'],
      [block({ kind: 'MakeNumberInt', value: -(2n ** 40n), target: 3 }, once(L(3))), ret()],
    );
    b.resultPlan('x/a', one).resultPlan('x/b', two);
    const pol = await loadPolicy(generateWasm(b.build()));
    assert.deepEqual(pol.entrypoints, { 'x/a': 0, 'x/b': 1 });
    assert.deepEqual(pol.evaluate(jsonInput(null), 'x/b'), [{ result: -(2 ** 40) }]);
    assert.deepEqual(pol.evaluate(jsonInput(null), 0), [{ result: 1 }]);
    assert.deepEqual(pol.evaluate(jsonInput(null), 1), [{ result: -(2 ** 40) }]);
    assert.throws(
      () => pol.evaluate(jsonInput(null), 7),
      (e) => e === 'internal: illegal entrypoint id',
    );
  });

  test('CallDynamic resolves data paths through the mapping table', async () => {
    const b = new PolicyBuilder();
    b.func(['pkg', 'a'], [block({ kind: 'MakeNumberInt', value: 10n, target: 3 }, once(L(3))), ret()]);
    b.func(['pkg', 'b'], [block({ kind: 'AssignVar', source: b.s('bee'), target: 2 }), ret()]);
    b.func(['pkg', 'none'], [ret()]);
    b.plan('dyn', [
      block(
        { kind: 'Dot', source: L(0), key: b.s('rule'), target: 3 },
        { kind: 'CallDynamic', path: [b.s('g0'), b.s('data'), b.s('pkg'), L(3)], args: [0, 1], result: 4 },
        { kind: 'MakeObject', target: 5 },
        { kind: 'ObjectInsert', key: b.s('x'), value: L(4), object: 5 },
        { kind: 'ResultSetAdd', value: 5 },
      ),
    ]);
    const pol = await loadPolicy(generateWasm(b.build()));
    assert.deepEqual(pol.evaluate(jsonInput({ rule: 'a' })), [{ x: 10 }]);
    assert.deepEqual(pol.evaluate(jsonInput({ rule: 'b' })), [{ x: 'bee' }]);
    assert.deepEqual(pol.evaluate(jsonInput({ rule: 'none' })), []);
    assert.deepEqual(pol.evaluate(jsonInput({ rule: 'missing' })), []);
    assert.deepEqual(pol.evaluate(jsonInput({ rule: 1 })), []);
  });

  test('rules without arguments are memoized once per evaluation; functions with arguments are not', async () => {
    const b = new PolicyBuilder();
    const tick = b.builtin('test.tick', 1);
    const r = b.func(
      ['pkg', 'r'],
      [block({ kind: 'Call', func: tick, args: [b.s('rule')], result: 3 }, once(L(3))), ret()],
    );
    const fn = b.func(
      ['pkg', 'f'],
      [
        block(
          { kind: 'Call', func: tick, args: [L(2)], result: 4 },
          { kind: 'AssignVar', source: L(4), target: 3 },
        ),
        block({ kind: 'ReturnLocal', source: 3 }),
      ],
      { args: [2], ret: 3 },
    );
    b.plan('m', [
      block(
        { kind: 'Call', func: r, args: [L(0), L(1)], result: 2 },
        { kind: 'Call', func: r, args: [L(0), L(1)], result: 3 },
        { kind: 'Call', func: fn, args: [L(0), L(1), b.s('fn')], result: 4 },
        { kind: 'Call', func: fn, args: [L(0), L(1), b.s('fn')], result: 5 },
        { kind: 'MakeArray', capacity: 4, target: 6 },
        { kind: 'ArrayAppend', value: L(2), array: 6 },
        { kind: 'ArrayAppend', value: L(3), array: 6 },
        { kind: 'ArrayAppend', value: L(4), array: 6 },
        { kind: 'ArrayAppend', value: L(5), array: 6 },
        { kind: 'ResultSetAdd', value: 6 },
      ),
    ]);
    const counts: Record<string, number> = {};
    const pol = await loadPolicy(generateWasm(b.build()), {
      'test.tick': (what: unknown) => {
        const k = String(what);
        counts[k] = (counts[k] ?? 0) + 1;
        return counts[k];
      },
    });
    assert.deepEqual(pol.evaluate(jsonInput({})), [[1, 1, 1, 2]]);
    assert.deepEqual(pol.evaluate(jsonInput({})), [[2, 2, 3, 4]]);
  });
});

describe('value statements', () => {
  test('Len, NotEqual, type checks, numbers, merge and resets', async () => {
    const b = new PolicyBuilder();
    const big = b.strIndex('123456789012345678901234567890');
    const facts = b.func(
      ['pkg', 'facts'],
      [
        block({ kind: 'MakeObject', target: 2 }),
        block(
          { kind: 'Dot', source: L(0), key: b.s('v'), target: 3 },
          { kind: 'Len', source: L(3), target: 4 },
          { kind: 'ObjectInsert', key: b.s('len'), value: L(4), object: 2 },
        ),
        block(
          { kind: 'Len', source: b.s('hello'), target: 4 },
          { kind: 'ObjectInsert', key: b.s('strlen'), value: L(4), object: 2 },
        ),
        block(
          { kind: 'Dot', source: L(0), key: b.s('v'), target: 3 },
          { kind: 'IsArray', source: L(3) },
          { kind: 'ObjectInsert', key: b.s('array'), value: B(true), object: 2 },
        ),
        block(
          { kind: 'Dot', source: L(0), key: b.s('v'), target: 3 },
          { kind: 'IsObject', source: L(3) },
          { kind: 'ObjectInsert', key: b.s('object'), value: B(true), object: 2 },
        ),
        block(
          { kind: 'IsSet', source: L(2) },
          { kind: 'ObjectInsert', key: b.s('set'), value: B(true), object: 2 },
        ),
        block(
          { kind: 'Dot', source: L(0), key: b.s('v'), target: 3 },
          { kind: 'NotEqual', a: L(3), b: b.s('x') },
          { kind: 'ObjectInsert', key: b.s('notx'), value: B(true), object: 2 },
        ),
        block(
          { kind: 'MakeNumberRef', index: big, target: 5 },
          { kind: 'ObjectInsert', key: b.s('big'), value: L(5), object: 2 },
        ),
        block(
          { kind: 'AssignInt', value: 42, target: 6 },
          { kind: 'ObjectInsert', key: b.s('int'), value: L(6), object: 2 },
        ),
        block(
          { kind: 'ResetLocal', target: 6 },
          { kind: 'IsDefined', source: 6 },
          { kind: 'ObjectInsert', key: b.s('reset'), value: B(false), object: 2 },
        ),
        block(
          { kind: 'Dot', source: L(0), key: b.s('m1'), target: 7 },
          { kind: 'Dot', source: L(0), key: b.s('m2'), target: 8 },
          { kind: 'ObjectMerge', a: 7, b: 8, target: 9 },
          { kind: 'ObjectInsert', key: b.s('merged'), value: L(9), object: 2 },
        ),
        block({ kind: 'Nop' }),
        ret(),
      ],
    );
    b.resultPlan('facts', facts);
    const pol = await loadPolicy(generateWasm(b.build()));
    const run = (input: unknown) =>
      (pol.evaluate(jsonInput(input)) as [{ result: Record<string, unknown> }])[0].result;
    const big10 = Number('123456789012345678901234567890');
    assert.deepEqual(run({ v: [1, 2, 3], m1: { a: { b: 1 } }, m2: { a: { c: 2 } } }), {
      len: 3,
      strlen: 5,
      array: true,
      notx: true,
      big: big10,
      int: 42,
      merged: { a: { b: 1, c: 2 } },
    });
    assert.deepEqual(run({ v: 'x' }), { len: 1, strlen: 5, big: big10, int: 42 });
    assert.deepEqual(run({ v: { k: 1 } }), {
      len: 1,
      strlen: 5,
      object: true,
      notx: true,
      big: big10,
      int: 42,
    });
    assert.deepEqual(run({ v: 7 }), { strlen: 5, notx: true, big: big10, int: 42 });
  });
});

describe('compile errors', () => {
  const expectCodegen = (policy: ir.Policy, pattern: RegExp) =>
    assert.throws(
      () => generateWasm(policy),
      (e) => e instanceof WasmError && e.code === 'SM_ERR_WASM_CODEGEN' && pattern.test(e.message),
    );

  test('unknown callee, too many host builtin args, wrong arity', () => {
    const b = new PolicyBuilder();
    b.func(['p'], [block({ kind: 'Call', func: 'nope', args: [], result: 3 }), ret()]);
    expectCodegen(b.build(), /unknown function or builtin "nope"/);

    const c = new PolicyBuilder();
    const five = c.builtin('five.args', 5);
    c.func(
      ['p'],
      [block({ kind: 'Call', func: five, args: [L(0), L(0), L(0), L(0), L(0)], result: 3 }), ret()],
    );
    expectCodegen(c.build(), /too many built-in call arguments/);

    const d = new PolicyBuilder();
    const one = d.builtin('one.arg', 1);
    d.func(['p'], [block({ kind: 'Call', func: one, args: [], result: 3 }), ret()]);
    expectCodegen(d.build(), /takes 1 arguments/);
  });

  test('static data beyond the allowed initial memory is refused', () => {
    const b = new PolicyBuilder();
    const big = 'x'.repeat(70000);
    b.func(['p'], [block({ kind: 'AssignVar', source: b.s(big), target: 2 }), ret()]);
    assert.throws(
      () => generateWasm(b.build(), { maxInitialPages: 2 }),
      (e) => e instanceof WasmError && e.code === 'SM_ERR_WASM_CODEGEN' && /memory pages/.test(e.message),
    );
    assert.ok(generateWasm(b.build()).length > 70000, 'fits in the default 5 pages');
  });

  test('a Break that leaves the function and a bad string index', () => {
    const b = new PolicyBuilder();
    b.func(['p'], [block({ kind: 'Break', index: 1 })]);
    expectCodegen(b.build(), /break 1 leaves the function/);
    const c = new PolicyBuilder();
    c.func(['p'], [block({ kind: 'AssignVar', source: { type: 'string_index', value: 3 }, target: 2 })]);
    expectCodegen(c.build(), /string index 3 out of range/);
  });
});
