// A memo keyed by texts that never hashes a whole text. Agents resend their whole history on every
// turn: a Map keyed by the messages would hash every character of every message again (V8 hashes a
// fresh string from JSON.parse in full, ~1.5 ns a character: most of a resent conversation's cost).
// Here a text is found by a fingerprint of its length and a few dozen sampled characters, and
// confirmed by string equality (a memcmp), so a hit costs what comparing the text costs and a miss
// usually less. Texts that share a fingerprint share a bucket of at most BUCKET entries (the oldest
// leaves first), so crafted collisions cost a few comparisons, never a long walk.

/** Entries per fingerprint before the oldest is dropped. */
const BUCKET = 4;
/** Characters sampled from each end of a long text, and from evenly spaced places between. */
const ENDS = 16;
const SPREAD = 32;

interface Entry<V> {
  kind: string;
  text: string;
  value: V;
  /** A number naming the entry while it is held (for keys made of several entries). */
  id: number;
}

function mix(h: number, c: number): number {
  return Math.imul(h ^ c, 0x5bd1e995) ^ (h >>> 15);
}

/** Fingerprint of (kind, text): every character of a short text, samples of a long one. */
export function fingerprint(kind: string, text: string): number {
  let h = mix(text.length, kind.length);
  for (let i = 0; i < kind.length; i++) h = mix(h, kind.charCodeAt(i));
  const n = text.length;
  if (n <= 2 * ENDS + SPREAD) {
    for (let i = 0; i < n; i++) h = mix(h, text.charCodeAt(i));
  } else {
    for (let i = 0; i < ENDS; i++) h = mix(mix(h, text.charCodeAt(i)), text.charCodeAt(n - 1 - i));
    const step = Math.floor((n - 2 * ENDS) / SPREAD);
    for (let i = 0, at = ENDS; i < SPREAD; i++, at += step) h = mix(h, text.charCodeAt(at));
  }
  // A small integer: Map keys of this kind are stored unboxed.
  return h & 0x3fffffff;
}

/**
 * The same characters in a string of their own. V8 makes a slice of 13 or more characters (and a
 * join) a view into the strings it came from: a memo key built from a request's texts — a seam is
 * the end of one message and the start of the next — would keep all of them alive, and every
 * held entry would carry a request's body into the old space (the 400 KB conversation of
 * bench/waypoint-wrk.sh: 3–9 MB promoted per young-generation GC with views, ~0.1 MB with copies).
 * Called on a miss only, where the analysis costs far more than the copy.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** Values by (kind, text); `kind` separates uses of the same text (a message, a tool's arguments). */
export class TextMemo<V> {
  private readonly buckets = new Map<number, Entry<V>[]>();
  private count = 0;
  private nextId = 1;

  get size(): number {
    return this.count;
  }

  /** The entry of (kind, text), if held. */
  entry(kind: string, text: string): { value: V; id: number } | undefined {
    const bucket = this.buckets.get(fingerprint(kind, text));
    if (bucket === undefined) return undefined;
    for (const e of bucket) if (e.text === text && e.kind === kind) return e;
    return undefined;
  }

  get(kind: string, text: string): V | undefined {
    return this.entry(kind, text)?.value;
  }

  /** Holds value for (kind, text) and returns the id of its entry. */
  set(kind: string, text: string, value: V): number {
    const fp = fingerprint(kind, text);
    let bucket = this.buckets.get(fp);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(fp, bucket);
    }
    for (const e of bucket)
      if (e.text === text && e.kind === kind) {
        e.value = value;
        return e.id;
      }
    if (bucket.length >= BUCKET) {
      bucket.shift();
      this.count--;
    }
    const id = this.nextId++;
    bucket.push({ kind: detached(kind), text: detached(text), value, id });
    this.count++;
    return id;
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }
}
