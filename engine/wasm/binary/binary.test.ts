// Tests of the wasm binary layer: LEB128, byte-exact round trips of runtime.wasm, and a golden .wat of
// a module exercising every instruction the emitter offers (checked by WebAssembly.validate and wabt).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { WasmError } from '../errors.js';
import { assertGolden, wabtValidate, wasmToWat, webAssembly } from '../testing/wasm-tools.js';
import { ByteReader, ByteWriter, EXTERN, FunctionEmitter, I32, I64, WasmModule } from './index.js';
import { calledFunctions } from './prune.js';

describe('LEB128', () => {
  test('known encodings', () => {
    assert.deepEqual([...new ByteWriter().u32(624485).finish()], [0xe5, 0x8e, 0x26]);
    assert.deepEqual([...new ByteWriter().s32(-123456).finish()], [0xc0, 0xbb, 0x78]);
    assert.deepEqual([...new ByteWriter().s32(64).finish()], [0xc0, 0x00]);
    assert.deepEqual([...new ByteWriter().s32(-64).finish()], [0x40]);
  });

  test('round trips at the edges', () => {
    for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 0xffffffff]) {
      const b = new ByteWriter().u32(v).finish();
      assert.equal(new ByteReader(b).u32(), v);
    }
    for (const v of [0, -1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31)]) {
      assert.equal(new ByteReader(new ByteWriter().s32(v).finish()).s32(), v);
    }
    for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 1234567890123n]) {
      assert.equal(new ByteReader(new ByteWriter().s64(v).finish()).s64(), v);
    }
    assert.throws(() => new ByteWriter().u32(-1), RangeError);
  });

  test('malformed input is a coded error', () => {
    const isMalformed = (e: unknown) => e instanceof WasmError && e.code === 'SM_ERR_WASM_MALFORMED';
    assert.throws(() => new ByteReader(new Uint8Array([0x80, 0x80])).u32(), isMalformed);
    assert.throws(() => WasmModule.parse(new Uint8Array([1, 2, 3, 4, 1, 0, 0, 0])), isMalformed);
    assert.throws(
      () => WasmModule.parse(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 9, 1])),
      isMalformed,
    );
  });
});

describe('module reader and writer', () => {
  test('runtime.wasm round-trips byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../runtime/runtime.wasm', import.meta.url)));
    assert.deepEqual(WasmModule.parse(bytes).toBytes(), bytes);
  });

  test('a module using every emitter instruction matches its golden .wat', () => {
    const m = WasmModule.empty();
    const sig = { params: [I32, I32], results: [I32] };
    assert.equal(m.addType(sig), m.addType({ params: [I32, I32], results: [I32] }), 'types are deduplicated');
    m.sections.imports.push({
      module: 'env',
      name: 'memory',
      desc: { kind: EXTERN.memory, limits: { min: 1 } },
    });
    m.sections.imports.push({
      module: 'env',
      name: 'log',
      desc: { kind: EXTERN.func, type: m.addType({ params: [I32], results: [] }) },
    });
    const g = m.addI32Global(7, true);
    const add = m.declareFunction('add', sig);
    const f = new FunctionEmitter([I32, I32]);
    f.localGet(0).localGet(1).i32Add();
    m.setBody(add, f.finish());

    const all = new FunctionEmitter([I32]);
    const t = all.addLocal();
    const wide = all.addLocal(I64);
    const outer = all.block();
    const a = all.block();
    const bb = all.block();
    all.localGet(0).brTable([a, bb], outer);
    all.end();
    all.i32Const(1).localSet(t).br(outer);
    all.end();
    all.i32Const(2).localSet(t);
    all.end();
    const loop = all.loop();
    all.localGet(t).i32Const(1).i32Sub().localTee(t).i32Eqz().i32Eqz().brIf(loop);
    all.end();
    all.localGet(0).if();
    all.i32Const(0).call(0);
    all.else();
    all.nop();
    all.end();
    all.i64Const(-5n).localSet(wide).i32Const(0).i32Load(16).i32Const(4).i32Load8U(1).i32Store(8);
    all.i32Const(0).i32Const(255).i32Store8(3);
    all.memorySize().memoryGrow().drop();
    all.globalGet(g).i32Const(3).i32Mul().i32Const(1).i32And().i32Const(2).i32Or().globalSet(g);
    all.i32Const(1).i32Const(2).i32Eq().i32Const(3).i32Const(4).i32Ne().i32LtS().i32Const(5).i32LtU().drop();
    all.i32Const(1).i32Const(2).i32GtS().i32Const(3).i32GtU().drop();
    all.f64Const(1.5).drop();
    all.i32Const(1).i32Const(2).i32Const(0).select().drop();
    all.i32Const(5).i64ExtendI32U().drop();
    all.localGet(t).localGet(t).i32Const(1).callIndirect(m.addType(sig));
    const fn = m.addFunction('all', { params: [I32], results: [I32] }, all.finish());

    const trap = new FunctionEmitter([]);
    trap.unreachable();
    const start = m.addFunction('start', { params: [], results: [] }, trap.finish());
    m.replaceBody(start, new FunctionEmitter([]).finish());
    m.setStart(start);
    assert.equal(m.appendTableElements([add, fn]), 1);
    m.addData(1024, new TextEncoder().encode('hi\0'));
    m.addExport('all', EXTERN.func, fn);
    m.addExport('add', EXTERN.func, add);
    m.addExport('gone', EXTERN.func, add);
    m.removeExport('gone');
    m.setMemoryMin(2);

    const bytes = m.toBytes();
    assert.ok(webAssembly.validate(bytes));
    assert.equal(wabtValidate(bytes), undefined);
    assert.equal(m.findFunction('all'), fn);
    assert.equal(m.findFunction('log'), 0);
    assert.equal(m.globalI32Value(g), 7);
    assert.deepEqual(WasmModule.parse(bytes).toBytes(), bytes, 'our own output round-trips too');
    assertGolden('emitter.wat', wasmToWat(bytes));
  });

  test('the emitter rejects unbalanced blocks and stale labels', () => {
    const f = new FunctionEmitter([]);
    const l = f.block();
    f.end();
    assert.throws(() => f.br(l));
    assert.throws(() => f.end());
    const g = new FunctionEmitter([]);
    g.block();
    assert.throws(() => g.finish());
  });

  test('the pruner decodes every runtime.wasm body and traps only unreachable functions', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../runtime/runtime.wasm', import.meta.url)));
    const m = WasmModule.parse(bytes);
    for (const body of m.sections.code) assert.doesNotThrow(() => calledFunctions(body));
    const m2 = WasmModule.empty();
    const sig = { params: [], results: [I32] };
    const body = (callee?: number) => {
      const f = new FunctionEmitter([]);
      if (callee === undefined) f.i32Const(1);
      else f.call(callee);
      return f.finish();
    };
    const leaf = m2.addFunction('leaf', sig, body());
    const dead = m2.addFunction('dead', sig, body(leaf));
    const root = m2.addFunction('root', sig, body(leaf));
    const viaTable = m2.addFunction('via_table', sig, body());
    m2.appendTableElements([viaTable]);
    m2.addExport('root', EXTERN.func, root);
    assert.equal(m2.pruneUnreachable(), 1);
    assert.deepEqual([...m2.sections.code[dead]], [0x00, 0x00, 0x0b]);
    assert.equal(m2.functionName(dead), undefined);
    assert.equal(m2.functionName(leaf), 'leaf');
    assert.equal(wabtValidate(m2.toBytes()), undefined);
  });
});
