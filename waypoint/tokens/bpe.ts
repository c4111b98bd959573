// A byte-level BPE encoder that yields exactly tiktoken's token ids, fast enough for the hot path.
//
// Same algorithm as tiktoken — split with the encoding's pre-tokenizer pattern, then merge each
// piece's bytes lowest rank first, leftmost on ties — with three differences that make it cheap:
// byte strings are keyed as Latin-1 JavaScript strings (one char a byte) rather than
// comma-joined numbers, a piece's ids are remembered (words recur across prompts and turns), and
// long pieces merge through a binary heap (O(n log n)) instead of rescanning every pair per merge,
// so a base64 blob is encoded exactly without quadratic time.

/** The rank file shape shipped by js-tiktoken (`js-tiktoken/ranks/<name>`). */
export interface RankFile {
  pat_str: string;
  special_tokens: Record<string, number>;
  /** `! <offset> <base64 token> <base64 token> …`: ranks run from offset in file order. */
  bpe_ranks: string;
}

/** Distinct pieces remembered before the cache is dropped whole (bounded memory). */
const PIECE_CACHE_LIMIT = 100_000;
/** Pieces up to this many bytes merge by rescanning (fastest when short); longer ones use the heap. */
const SCAN_LIMIT = 48;

const BASE64 = (() => {
  const t = new Int16Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();
const BANG = 33;
const SPACE = 32;
const NEWLINE = 10;
const PAD = 61;

/**
 * The ranks of an encoding's byte strings in one open-addressing hash table over typed arrays,
 * filled from js-tiktoken's `! <offset> <base64> <base64> …` text in one pass: each base64 token is
 * decoded straight into a shared byte buffer, so loading 200,000 tokens makes no string and no Map
 * entry per token (a Map of Latin-1 strings took ~200 ms to build; this is several times cheaper).
 * Lookups take a Latin-1 key (one char a byte) and compare it against the stored bytes.
 */
class RankTable {
  /** Every token's bytes back to back; token t runs from start[t] to start[t + 1]. */
  readonly #bytes: Uint8Array;
  readonly #start: Uint32Array;
  readonly #rank: Int32Array;
  /** Token index + 1 per slot, 0 for an empty slot (linear probing). */
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly size: number;

  /** The table of a rank file's `bpe_ranks` text, or one read back from `serialize()`'s bytes. */
  static from(source: string | Uint8Array): RankTable {
    return typeof source === 'string' ? new RankTable(source) : RankTable.#read(source);
  }

  private constructor(text: string, parts?: RankParts) {
    if (parts) {
      this.#bytes = parts.bytes;
      this.#start = parts.start;
      this.#rank = parts.rank;
      this.#slots = parts.slots;
      this.#mask = parts.slots.length - 1;
      this.size = parts.size;
      return;
    }
    const n = text.length;
    const bytes = new Uint8Array(Math.ceil((n * 3) / 4) + 8);
    // A token is at least 4 base64 characters and a separator.
    const start = new Uint32Array(Math.ceil(n / 5) + 2);
    const ranks = new Int32Array(start.length);
    let count = 0;
    let used = 0;
    let rank = 0;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === BANG) {
        i++;
        while (text.charCodeAt(i) === SPACE) i++;
        let offset = 0;
        for (let d = text.charCodeAt(i) - 48; d >= 0 && d <= 9; d = text.charCodeAt(i) - 48) {
          offset = offset * 10 + d;
          i++;
        }
        rank = offset;
        continue;
      }
      if (c === SPACE || c === NEWLINE) {
        i++;
        continue;
      }
      if (count + 1 >= start.length) throw new Error('rank table: more tokens than its text can hold');
      start[count] = used;
      let acc = 0;
      let bits = 0;
      for (; i < n; i++) {
        const ch = text.charCodeAt(i);
        if (ch === SPACE || ch === BANG || ch === NEWLINE) break;
        if (ch === PAD) continue;
        const v = ch < 128 ? BASE64[ch]! : -1;
        if (v < 0) throw new Error(`rank table: not base64 at offset ${i}`);
        acc = ((acc << 6) | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          bytes[used++] = (acc >> bits) & 0xff;
        }
      }
      ranks[count++] = rank++;
    }
    start[count] = used;
    this.#bytes = bytes;
    this.#start = start.subarray(0, count + 1);
    this.#rank = ranks.subarray(0, count);
    let cap = 1;
    while (cap < count * 2) cap *= 2;
    this.#slots = new Int32Array(cap);
    this.#mask = cap - 1;
    let distinct = 0;
    for (let t = 0; t < count; t++) {
      let h = hashBytes(bytes, start[t]!, start[t + 1]!) & this.#mask;
      for (;;) {
        const s = this.#slots[h]!;
        if (s === 0) {
          this.#slots[h] = t + 1;
          distinct++;
          break;
        }
        // A repeated byte string takes the later rank, as a Map's set would.
        if (this.#sameBytes(s - 1, t)) {
          ranks[s - 1] = ranks[t]!;
          break;
        }
        h = (h + 1) & this.#mask;
      }
    }
    this.size = distinct;
  }

  /** The rank of the Latin-1 byte string `key`, if it is a token. */
  get(key: string): number | undefined {
    const len = key.length;
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h &= this.#mask;
    const bytes = this.#bytes;
    for (;;) {
      const s = this.#slots[h]!;
      if (s === 0) return undefined;
      const from = this.#start[s - 1]!;
      if (this.#start[s]! - from === len) {
        let k = 0;
        while (k < len && bytes[from + k] === key.charCodeAt(k)) k++;
        if (k === len) return this.#rank[s - 1];
      }
      h = (h + 1) & this.#mask;
    }
  }

  /**
   * The table as one buffer (a header of five 32-bit words, then the start, rank and slot arrays
   * and the bytes), so a build can store it and a start-up map it back without parsing.
   */
  serialize(): Uint8Array {
    const count = this.#start.length - 1;
    const used = this.#start[count]!;
    const words = 5 + (count + 1) + count + this.#slots.length;
    const out = new Uint8Array(words * 4 + used);
    const u32 = new Uint32Array(out.buffer, 0, words);
    u32.set([RANK_MAGIC, count, used, this.#slots.length, this.size]);
    u32.set(this.#start, 5);
    new Int32Array(out.buffer, (6 + count) * 4, count).set(this.#rank);
    new Int32Array(out.buffer, (6 + 2 * count) * 4, this.#slots.length).set(this.#slots);
    out.set(this.#bytes.subarray(0, used), words * 4);
    return out;
  }

  static #read(buf: Uint8Array): RankTable {
    // Typed views need 4-byte alignment: copy a buffer that starts mid-way into a shared pool.
    const data = buf.byteOffset % 4 === 0 ? buf : buf.slice();
    const head = new Uint32Array(data.buffer, data.byteOffset, 5);
    const [magic, count, used, cap, size] = head as unknown as number[];
    const words = 5 + (count! + 1) + count! + cap!;
    if (magic !== RANK_MAGIC || (cap! & (cap! - 1)) !== 0 || data.length !== words * 4 + used!)
      throw new Error('rank table: not a serialized table');
    const at = data.byteOffset;
    return new RankTable('', {
      start: new Uint32Array(data.buffer, at + 20, count! + 1),
      rank: new Int32Array(data.buffer, at + (6 + count!) * 4, count!),
      slots: new Int32Array(data.buffer, at + (6 + 2 * count!) * 4, cap!),
      bytes: new Uint8Array(data.buffer, at + words * 4, used!),
      size: size!,
    });
  }

  #sameBytes(a: number, b: number): boolean {
    const fa = this.#start[a]!;
    const fb = this.#start[b]!;
    const len = this.#start[a + 1]! - fa;
    if (this.#start[b + 1]! - fb !== len) return false;
    for (let k = 0; k < len; k++) if (this.#bytes[fa + k] !== this.#bytes[fb + k]) return false;
    return true;
  }
}

const RANK_MAGIC = 0x52414e4b; // "RANK"

interface RankParts {
  bytes: Uint8Array;
  start: Uint32Array;
  rank: Int32Array;
  slots: Int32Array;
  size: number;
}

/** FNV-1a over bytes[from, to), the same hash RankTable.get computes over a Latin-1 key. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

export class BpeEncoder {
  readonly #ranks: RankTable;
  readonly #split: RegExp;
  readonly #pieces = new Map<string, number[]>();

  /**
   * `table`: the file's ranks as `serialized()` stored them, to skip building the table; with one,
   * only the file's `pat_str` is used (so a stored table needs no rank file loaded).
   */
  constructor(file: Pick<RankFile, 'pat_str'> & Partial<RankFile>, table?: Uint8Array) {
    this.#split = new RegExp(file.pat_str, 'gu');
    const source = table ?? file.bpe_ranks;
    if (source === undefined) throw new Error('BpeEncoder: neither a rank table nor its text');
    this.#ranks = RankTable.from(source);
  }

  /** The rank table in a compact form a later start can pass back to the constructor. */
  serialized(): Uint8Array {
    return this.#ranks.serialize();
  }

  /** Number of ordinary tokens in the vocabulary. */
  get size(): number {
    return this.#ranks.size;
  }

  /** Token ids of `text`; special-token text such as "<|endoftext|>" is encoded as ordinary text. */
  encode(text: string): number[] {
    const out: number[] = [];
    this.#each(text, (ids) => {
      for (const id of ids) out.push(id);
    });
    return out;
  }

  /** Number of tokens `encode(text)` would return, without building the array. */
  count(text: string): number {
    let n = 0;
    this.#each(text, (ids) => {
      n += ids.length;
    });
    return n;
  }

  #each(text: string, sink: (ids: readonly number[]) => void): void {
    this.#split.lastIndex = 0;
    for (const m of text.matchAll(this.#split)) {
      const piece = m[0];
      let ids = this.#pieces.get(piece);
      if (ids === undefined) {
        ids = this.#encodePiece(Buffer.from(piece, 'utf8').toString('latin1'));
        if (this.#pieces.size >= PIECE_CACHE_LIMIT) this.#pieces.clear();
        this.#pieces.set(piece, ids);
      }
      sink(ids);
    }
  }

  /** BPE over one piece given as a Latin-1 byte string. */
  #encodePiece(bytes: string): number[] {
    const whole = this.#ranks.get(bytes);
    if (whole !== undefined) return [whole];
    const starts = bytes.length <= SCAN_LIMIT ? this.#mergeScan(bytes) : this.#mergeHeap(bytes);
    const ids: number[] = [];
    for (let k = 0; k < starts.length; k++) {
      const end = k + 1 < starts.length ? starts[k + 1]! : bytes.length;
      // Every single byte has a rank, so a part that survived merging always has one too.
      ids.push(this.#ranks.get(bytes.slice(starts[k], end))!);
    }
    return ids;
  }

  /** Start offsets of the parts left after merging, by rescanning adjacent pairs (short pieces). */
  #mergeScan(bytes: string): number[] {
    const starts: number[] = [];
    for (let i = 0; i < bytes.length; i++) starts.push(i);
    const end = (k: number) => (k + 1 < starts.length ? starts[k + 1]! : bytes.length);
    while (starts.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let k = 0; k + 1 < starts.length; k++) {
        const r = this.#ranks.get(bytes.slice(starts[k], end(k + 1)));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = k;
        }
      }
      if (best < 0) break;
      starts.splice(best + 1, 1);
    }
    return starts;
  }

  /**
   * The same merges through a min-heap of (rank, position) over a doubly linked list of parts.
   * Ties break on the leftmost position, as tiktoken's scan does; stale heap entries (a part that
   * has since grown or vanished) are recognised by comparing the recorded end and skipped.
   */
  #mergeHeap(bytes: string): number[] {
    const n = bytes.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    const heap = new PairHeap();
    const endOf = (i: number) => next[i]!; // a part runs from i to the start of the next one (or n)
    const push = (i: number) => {
      const j = next[i]!;
      if (j >= n) return;
      const r = this.#ranks.get(bytes.slice(i, endOf(j)));
      if (r !== undefined) heap.push(r, i, endOf(j));
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.size > 0) {
      const [, i, end] = heap.pop();
      const j = next[i]!;
      if (!alive[i] || j >= n || endOf(j) !== end) continue;
      // Merge part j into part i.
      alive[j] = 0;
      next[i] = next[j]!;
      if (next[i]! < n) prev[next[i]!] = i;
      push(i);
      if (prev[i]! >= 0) push(prev[i]!);
    }
    const starts: number[] = [];
    for (let i = 0; i < n; i = next[i]!) starts.push(i);
    return starts;
  }
}

/** A binary min-heap of (rank, start, end) ordered by rank, then start. */
class PairHeap {
  #rank: number[] = [];
  #start: number[] = [];
  #end: number[] = [];

  get size(): number {
    return this.#rank.length;
  }

  #less(a: number, b: number): boolean {
    return (
      this.#rank[a]! < this.#rank[b]! ||
      (this.#rank[a] === this.#rank[b] && this.#start[a]! < this.#start[b]!)
    );
  }

  #swap(a: number, b: number): void {
    for (const arr of [this.#rank, this.#start, this.#end]) [arr[a], arr[b]] = [arr[b]!, arr[a]!];
  }

  push(rank: number, start: number, end: number): void {
    this.#rank.push(rank);
    this.#start.push(start);
    this.#end.push(end);
    let k = this.#rank.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.#less(k, p)) break;
      this.#swap(k, p);
      k = p;
    }
  }

  pop(): [number, number, number] {
    const top: [number, number, number] = [this.#rank[0]!, this.#start[0]!, this.#end[0]!];
    const last = this.#rank.length - 1;
    this.#swap(0, last);
    this.#rank.pop();
    this.#start.pop();
    this.#end.pop();
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < last && this.#less(l, m)) m = l;
      if (r < last && this.#less(r, m)) m = r;
      if (m === k) break;
      this.#swap(k, m);
      k = m;
    }
    return top;
  }
}
