// A small typed emitter for the wasm instructions the code generator needs. Branch targets are label
// handles returned by block/loop/if, so callers never count relative depths by hand.
import { ByteWriter } from './bytes.js';
import { F64, I32, I64, type ValType } from './types.js';

/** A structured-control label: its position on the control stack (0 = the function body). */
export type Label = number & { readonly __label: unique symbol };

/** Block type: `void`, one result value type, or a type index for multi-value blocks. */
export type BlockType = 'void' | ValType;

const OP = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i32Store8: 0x3a,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i64ExtendI32U: 0xad,
} as const;

export class FunctionEmitter {
  private readonly code = new ByteWriter(64);
  private readonly localTypes: ValType[] = [];
  /** Control stack height; 1 = inside the function body only. */
  private height = 1;

  constructor(readonly params: readonly ValType[]) {}

  /** Declares a fresh local and returns its index (params come first). */
  addLocal(type: ValType = I32): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  get localCount(): number {
    return this.params.length + this.localTypes.length;
  }

  /** The label of the function body itself: `br(bodyLabel)` returns. */
  get bodyLabel(): Label {
    return 0 as Label;
  }

  private op(b: number): this {
    this.code.byte(b);
    return this;
  }

  private blockType(t: BlockType): void {
    if (t === 'void') this.code.byte(0x40);
    else this.code.byte(t);
  }

  private open(op: number, t: BlockType): Label {
    this.op(op).blockType(t);
    return this.height++ as Label;
  }

  private depth(label: Label): number {
    const d = this.height - 1 - label;
    if (d < 0) throw new Error(`branch to a label that is no longer open (${label})`);
    return d;
  }

  block(t: BlockType = 'void'): Label {
    return this.open(OP.block, t);
  }

  loop(t: BlockType = 'void'): Label {
    return this.open(OP.loop, t);
  }

  if(t: BlockType = 'void'): Label {
    return this.open(OP.if, t);
  }

  else(): this {
    return this.op(OP.else);
  }

  end(): this {
    if (this.height <= 1) throw new Error('end without an open block');
    this.height--;
    return this.op(OP.end);
  }

  br(label: Label): this {
    this.op(OP.br).code.u32(this.depth(label));
    return this;
  }

  brIf(label: Label): this {
    this.op(OP.brIf).code.u32(this.depth(label));
    return this;
  }

  brTable(labels: readonly Label[], fallback: Label): this {
    this.op(OP.brTable).code.u32(labels.length);
    for (const l of labels) this.code.u32(this.depth(l));
    this.code.u32(this.depth(fallback));
    return this;
  }

  return(): this {
    return this.op(OP.return);
  }

  unreachable(): this {
    return this.op(OP.unreachable);
  }

  nop(): this {
    return this.op(OP.nop);
  }

  drop(): this {
    return this.op(OP.drop);
  }

  select(): this {
    return this.op(OP.select);
  }

  call(funcIndex: number): this {
    this.op(OP.call).code.u32(funcIndex);
    return this;
  }

  callIndirect(typeIndex: number, tableIndex = 0): this {
    this.op(OP.callIndirect).code.u32(typeIndex).u32(tableIndex);
    return this;
  }

  localGet(i: number): this {
    this.op(OP.localGet).code.u32(i);
    return this;
  }

  localSet(i: number): this {
    this.op(OP.localSet).code.u32(i);
    return this;
  }

  localTee(i: number): this {
    this.op(OP.localTee).code.u32(i);
    return this;
  }

  globalGet(i: number): this {
    this.op(OP.globalGet).code.u32(i);
    return this;
  }

  globalSet(i: number): this {
    this.op(OP.globalSet).code.u32(i);
    return this;
  }

  i32Const(v: number): this {
    this.op(OP.i32Const).code.s32(v | 0);
    return this;
  }

  i64Const(v: bigint): this {
    this.op(OP.i64Const).code.s64(v);
    return this;
  }

  f64Const(v: number): this {
    this.op(OP.f64Const).code.f64(v);
    return this;
  }

  /** i32.load with a static byte offset; `align` is log2 of the alignment (2 = 4 bytes). */
  i32Load(offset = 0, align = 2): this {
    this.op(OP.i32Load).code.u32(align).u32(offset);
    return this;
  }

  i32Load8U(offset = 0): this {
    this.op(OP.i32Load8U).code.u32(0).u32(offset);
    return this;
  }

  i32Store(offset = 0, align = 2): this {
    this.op(OP.i32Store).code.u32(align).u32(offset);
    return this;
  }

  i32Store8(offset = 0): this {
    this.op(OP.i32Store8).code.u32(0).u32(offset);
    return this;
  }

  memorySize(): this {
    this.op(OP.memorySize).code.byte(0);
    return this;
  }

  memoryGrow(): this {
    this.op(OP.memoryGrow).code.byte(0);
    return this;
  }

  i32Eqz(): this {
    return this.op(OP.i32Eqz);
  }
  i32Eq(): this {
    return this.op(OP.i32Eq);
  }
  i32Ne(): this {
    return this.op(OP.i32Ne);
  }
  i32LtS(): this {
    return this.op(OP.i32LtS);
  }
  i32LtU(): this {
    return this.op(OP.i32LtU);
  }
  i32GtS(): this {
    return this.op(OP.i32GtS);
  }
  i32GtU(): this {
    return this.op(OP.i32GtU);
  }
  i32Add(): this {
    return this.op(OP.i32Add);
  }
  i32Sub(): this {
    return this.op(OP.i32Sub);
  }
  i32Mul(): this {
    return this.op(OP.i32Mul);
  }
  i32And(): this {
    return this.op(OP.i32And);
  }
  i32Or(): this {
    return this.op(OP.i32Or);
  }
  i64ExtendI32U(): this {
    return this.op(OP.i64ExtendI32U);
  }

  /** The function body as stored in the code section: run-length local declarations, code, `end`. */
  finish(): Uint8Array {
    if (this.height !== 1) throw new Error(`${this.height - 1} blocks left open`);
    const w = new ByteWriter(this.code.length + 16);
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    w.u32(runs.length);
    for (const [n, t] of runs) w.u32(n).byte(t);
    w.bytes(this.code.finish()).byte(OP.end);
    return w.finish();
  }
}

export { F64, I32, I64 };
