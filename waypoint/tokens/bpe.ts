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
 * Fills `ranks` from js-tiktoken's `! <offset> <base64> <base64> …` text in one pass, decoding each
 * base64 token straight into its Latin-1 key: no Buffer and no split arrays per token, which halves
 * the rank table's build (200,000 tokens) — paid on the first request that counts with it.
 */
function readRanks(text: string, ranks: Map<string, number>): void {
  const n = text.length;
  const bytes = new Uint8Array(1024);
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
    let acc = 0;
    let bits = 0;
    let len = 0;
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
        if (len === bytes.length) throw new Error(`rank table: token longer than ${bytes.length} bytes`);
        bytes[len++] = (acc >> bits) & 0xff;
      }
    }
    ranks.set(String.fromCharCode.apply(null, bytes.subarray(0, len) as unknown as number[]), rank++);
  }
}

export class BpeEncoder {
  readonly #ranks = new Map<string, number>();
  readonly #split: RegExp;
  readonly #pieces = new Map<string, number[]>();

  constructor(file: RankFile) {
    this.#split = new RegExp(file.pat_str, 'gu');
    readRanks(file.bpe_ranks, this.#ranks);
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
