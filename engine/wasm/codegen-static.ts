// Lays out the generated policy's static data at __heap_base: the IR's string constants (as a table of
// value pointers filled by the start function), NUL-terminated messages and the dynamic-call mapping.

/** Bytes placed in memory at `base`; addresses are absolute. */
export class StaticData {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly rawCache = new Map<string, { addr: number; len: number }>();
  private readonly cCache = new Map<string, number>();
  /** Address of the IR string table: entry i is 8 bytes, `(chars, len)` until start-up turns `chars` into a value pointer. */
  readonly stringTable: number;
  private readonly irStrings: { addr: number; len: number }[] = [];

  constructor(
    readonly base: number,
    strings: readonly string[],
  ) {
    this.stringTable = base;
    this.size = strings.length * 8;
    const table = new DataView(new ArrayBuffer(this.size));
    this.chunks.push(new Uint8Array(table.buffer));
    strings.forEach((s, i) => {
      const r = this.raw(s);
      this.irStrings.push(r);
      table.setUint32(i * 8, r.addr, true);
      table.setUint32(i * 8 + 4, r.len, true);
    });
  }

  get stringCount(): number {
    return this.irStrings.length;
  }

  /** Address of the slot holding the value pointer of IR string `index` (valid after start-up). */
  stringSlot(index: number): number {
    return this.stringTable + index * 8;
  }

  /** Chars and byte length of IR string `index`, e.g. for number literals. */
  irString(index: number): { addr: number; len: number } {
    const s = this.irStrings[index];
    if (!s) throw new RangeError(`no static string ${index}`);
    return s;
  }

  private append(bytes: Uint8Array): number {
    const addr = this.base + this.size;
    this.chunks.push(bytes);
    this.size += bytes.length;
    return addr;
  }

  /** UTF-8 bytes of `s` without a terminator (deduplicated). */
  raw(s: string): { addr: number; len: number } {
    let r = this.rawCache.get(s);
    if (!r) {
      const bytes = new TextEncoder().encode(s);
      r = { addr: this.append(bytes), len: bytes.length };
      this.rawCache.set(s, r);
    }
    return r;
  }

  /** A NUL-terminated UTF-8 string, as opa_abort and opa_runtime_error take (deduplicated). */
  cString(s: string): number {
    let addr = this.cCache.get(s);
    if (addr === undefined) {
      const utf8 = new TextEncoder().encode(s);
      const bytes = new Uint8Array(utf8.length + 1);
      bytes.set(utf8);
      addr = this.append(bytes);
      this.cCache.set(s, addr);
    }
    return addr;
  }

  /** First address past the static data. */
  get end(): number {
    return this.base + this.size;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
