// Byte-level reading and writing for the wasm binary format: LEB128 integers, names, byte vectors.
import { malformed } from '../errors.js';

/** A growable byte buffer; every wasm encoder in this folder writes into one of these. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.reserve(1);
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(src: ArrayLike<number>): this {
    this.reserve(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
    return this;
  }

  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new RangeError(`u32 out of range: ${value}`);
    let v = value;
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  s32(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
      throw new RangeError(`s32 out of range: ${value}`);
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  s64(value: bigint): this {
    let v = BigInt.asIntN(64, value);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.byte(b);
        return this;
      }
      this.byte(b | 0x80);
    }
  }

  f64(value: number): this {
    const tmp = new DataView(new ArrayBuffer(8));
    tmp.setFloat64(0, value, true);
    return this.bytes(new Uint8Array(tmp.buffer));
  }

  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).bytes(utf8);
  }

  /** A u32 length prefix followed by the bytes, as sections and function bodies are stored. */
  sized(content: Uint8Array): this {
    return this.u32(content.length).bytes(content);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** A cursor over a byte array; every read checks bounds and reports malformed input with its offset. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw malformed('unexpected end of data', this.pos);
    return this.buf[this.pos++];
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw malformed(`${n} bytes overrun the end`, this.pos);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw malformed('u32 LEB128 too large', this.pos);
        return result;
      }
      mul *= 128;
    }
    throw malformed('u32 LEB128 longer than 5 bytes', this.pos);
  }

  s32(): number {
    return Number(this.sleb(32));
  }

  s64(): bigint {
    return this.sleb(64);
  }

  private sleb(bits: number): bigint {
    let result = 0n;
    let shift = 0n;
    const max = Math.ceil(bits / 7);
    for (let i = 0; i < max; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return BigInt.asIntN(bits, result);
      }
    }
    throw malformed(`s${bits} LEB128 too long`, this.pos);
  }

  name(): string {
    const len = this.u32();
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(len));
  }

  /** Skips a constant expression (init of globals, offsets of segments) and returns its bytes with `end`. */
  constExpr(): Uint8Array {
    const start = this.pos;
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x0b:
          return this.buf.subarray(start, this.pos);
        case 0x41:
          this.s32();
          break;
        case 0x42:
          this.s64();
          break;
        case 0x43:
          this.bytes(4);
          break;
        case 0x44:
          this.bytes(8);
          break;
        case 0x23: // global.get
        case 0xd2: // ref.func
          this.u32();
          break;
        case 0xd0: // ref.null
          this.byte();
          break;
        case 0x6a: // extended-const i32/i64 add, sub, mul
        case 0x6b:
        case 0x6c:
        case 0x7c:
        case 0x7d:
        case 0x7e:
          break;
        default:
          throw malformed(`unsupported opcode 0x${op.toString(16)} in constant expression`, this.pos - 1);
      }
    }
  }
}
