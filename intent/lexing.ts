// Lexing for the intent canonicalizer: tokens, stems and the longest-match classification of lexicon phrases.

import * as L from './lexicon.js';
import { isAscii, normalizeText } from './normalize.js';
import { vocabularyKey } from './phrase-keys.js';
import { splitChunk } from './segment.js';

/** Longest phrase matched, in words (lexicon phrases are shorter; bundle vocabulary may not be). */
const MAX_PHRASE = 5;

/**
 * Light, deterministic stemming (a small subset of Porter's rules) applied identically to lexicon
 * entries and input, so only consistency matters, not linguistic accuracy.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length === 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, 2);
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  let suffixRemoved = false;
  if (w.endsWith('ing') && w.length - 3 >= 3) {
    w = w.slice(0, -3);
    suffixRemoved = true;
  } else if (w.endsWith('ed') && w.length - 2 >= 3) {
    w = w.slice(0, -2);
    suffixRemoved = true;
  } else if (w.endsWith('ion') && w.length > 6) {
    w = w.slice(0, -3);
  } else if (w.endsWith('al') && w.length > 6) {
    w = w.slice(0, -2);
  }
  if (
    suffixRemoved &&
    w.length > 2 &&
    w[w.length - 1] === w[w.length - 2] &&
    !'aeiouylsz'.includes(w[w.length - 1])
  ) {
    w = w.slice(0, -1);
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** A word of a lexer chunk: stem, surface, identifier flag, and offset in the chunk. */
interface Part {
  s: string;
  w: string;
  ident: boolean;
  off: number;
}

/**
 * The words of chunks seen lately: prose repeats its words, and a chunk's words depend on the
 * chunk alone (case folding, splitting, stemming are pure). An open-addressed table probed with a
 * hash the scanner computes as it reads the chunk, so a word seen before costs no substring and no
 * string hashing; chunks longer than WORD_CACHE_MAX are split afresh. Cleared whole when half full.
 */
const SLOTS = 1 << 16;
const PROBES = 8;
const WORD_CACHE_MAX = 48;
const cachedKeys: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
const cachedParts: (readonly Part[] | undefined)[] = new Array<readonly Part[] | undefined>(SLOTS).fill(
  undefined,
);
let cachedCount = 0;

/** Whether the text's code units have `key` at `start` (a loop: cheaper than startsWith for a word). */
function sameAt(units: Uint16Array, start: number, key: string): boolean {
  for (let k = key.length - 1; k >= 0; k--) if (units[start + k] !== key.charCodeAt(k)) return false;
  return true;
}

/** The words of text[start, end), whose scan hash is `hash`. */
function wordsAt(
  text: string,
  units: Uint16Array,
  start: number,
  end: number,
  hash: number,
): readonly Part[] {
  const n = end - start;
  if (n > WORD_CACHE_MAX) return splitWords(text.slice(start, end));
  let slot = hash & (SLOTS - 1);
  for (let k = 0; k < PROBES; k++, slot = (slot + 1) & (SLOTS - 1)) {
    const key = cachedKeys[slot];
    if (key === undefined) break;
    if (key.length === n && sameAt(units, start, key)) return cachedParts[slot] as readonly Part[];
  }
  const chunk = text.slice(start, end);
  const parts = splitWords(chunk);
  if (cachedCount >= SLOTS / 2) {
    cachedKeys.fill(undefined);
    cachedParts.fill(undefined);
    cachedCount = 0;
  }
  slot = hash & (SLOTS - 1);
  for (let k = 0; k < PROBES; k++, slot = (slot + 1) & (SLOTS - 1)) {
    if (cachedKeys[slot] !== undefined) continue;
    cachedKeys[slot] = chunk;
    cachedParts[slot] = parts;
    cachedCount++;
    break;
  }
  return parts;
}

/** A chunk's words: split by segment.ts when it needs more than spaces, else as an identifier. */
function splitWords(chunk: string): Part[] {
  const lower = chunk.toLowerCase();
  const words = splitChunk(chunk, lower);
  if (words !== undefined) {
    const out: Part[] = [];
    let from = 0;
    for (const w of words) {
      const k = lower.indexOf(w, from);
      if (k >= 0) from = k + w.length;
      out.push({ s: stem(w), w, ident: false, off: Math.max(k, 0) });
    }
    return out;
  }
  if (!SPLIT_NEEDED.test(chunk) && lower.slice(1) === chunk.slice(1))
    return [{ s: stem(lower), w: lower, ident: false, off: 0 }];
  const bare = chunk.replace(/['’]/g, '');
  const camel = bare.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2');
  const parts = camel.toLowerCase().split('_').filter(Boolean);
  const ident = parts.length > 1;
  return parts.map((w) => ({ s: stem(w), w, ident, off: 0 }));
}

/** A clause boundary token in `tokenize` output: negation and pairing never cross it. */
const BOUNDARY = '|';

/** One word or boundary of the input. */
export interface Tok {
  /** Stem, or '.', '?' (sentence ends) and ',' (clause break). */
  s: string;
  /** Surface form, case-folded, apostrophes removed. */
  w: string;
  /** Part of a camelCase or snake_case identifier: a name in prose, not a word. */
  ident: boolean;
  /** Part of a hyphenated or numbered word (`company-logs`, `data-postgres-0`): likely a name. */
  name?: boolean;
  /** Inside a quotation of several words ("translate 'delete the database'"). */
  quoted?: boolean;
  /** Part of a path or URL; the value is what the path denotes, '' for nothing. */
  path?: string;
  /** Offset of the word in the (NFKC-normalized) input, for explanations and audit spans. */
  at?: number;
}

// Quotation marks of every supported language ("…", «…», „…“, 「…」); Chinese and Japanese
// quotations sit between ideographs, with no space around them. An apostrophe between letters
// is part of the quotation ("« supprime l'ancien namespace »", "'don't delete it'").
const QUOTED =
  /(^|[\s([{=:]|[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff60])(["'“‘«„「『])((?:[^"'“”‘’«»„「」『』\n]|(?<=\p{L})['’](?=\p{L})){1,120})(["'”’»“」』])(?=$|[\s.,;:!?)\]}]|[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff60])/gu;
const WORD = /\S+/g;
/** A word ending in a source, config or data file extension ("app.ts", "cluster.yaml"). */
const FILE_EXTENSION =
  /\.(?:ts|tsx|js|jsx|mjs|py|rb|go|rs|java|kt|c|h|cpp|cs|php|sh|sql|json|ya?ml|toml|ini|md|txt|csv|tf|xml|html|css)(?=$|[\s.,;:!?)\]'"”’」]|[\u3000-\u9fff])/;
const FILE_NAME = /^[^\s.]*[\p{L}\p{N}_-]\.[a-z]+[.,;:!?)\]'"”’」]*$/u;

/** What a path-like word denotes: a device is a volume, an object-store URL a bucket, else a file. */
function pathObject(word: string): string {
  if (/^\/dev\//.test(word)) return 'volume';
  if (/^(s3|gs|az|wasbs?):\/\//.test(word)) return 'bucket';
  return /^[a-z]+:\/\//.test(word) ? '' : 'file';
}

/**
 * Quotations: one or two quoted words are a mention and become a neutral placeholder ("remove the
 * word 'database'"); longer quotations stay but are marked, as their words may be content to
 * translate or search for rather than a request.
 */
function markQuotes(text: string): {
  text: string;
  quoted: Array<[number, number]>;
  shifts: Array<[number, number]>;
} {
  const shifts: Array<[number, number]> = [];
  // ASCII text (known from normalisation, no scan) has only the two ASCII quotation marks.
  const maybe = isAscii(text) ? text.includes('"') || text.includes("'") : HAS_QUOTE.test(text);
  if (!maybe) return { text, quoted: [], shifts };
  const quoted: Array<[number, number]> = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(QUOTED)) {
    const at = (m.index ?? 0) + m[1].length;
    out += text.slice(last, at);
    const inner = m[3];
    // Chinese and Japanese write a whole request without spaces: never a mere mention.
    if (inner.trim().split(/\s+/).length <= 2 && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(inner)) {
      out += ' quotedmention ';
      // From here on, output offsets differ from input offsets by this much (for spans).
      shifts.push([out.length, out.length - (at + m[2].length + inner.length + m[4].length)]);
    } else {
      quoted.push([out.length, out.length + inner.length + 2]);
      out += m[2] + inner + m[4];
    }
    last = at + m[2].length + inner.length + m[4].length;
  }
  return { text: out + text.slice(last), quoted, shifts };
}

const HAS_QUOTE = /["'“‘«„「『]/;
const SPLIT_NEEDED = /[_'’]/;

// The lexer's chunks are words (letters and digits of any script, '_', apostrophes), runs of one to
// eight sentence marks `.;:!?` and a comma (each followed by a space, the end or an ideograph), and
// the line and ideographic breaks \n 。 、; anything else separates. Scanned by hand with a table
// for ASCII: this is the hottest loop of the analyser.
const C_OTHER = 0;
const C_WORD = 1;
const C_MARK = 2;
const C_COMMA = 3;
const C_BREAK = 4;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_']/.test(ch)) ASCII_CLASS[c] = C_WORD;
  else if ('.;:!?'.includes(ch)) ASCII_CLASS[c] = C_MARK;
  else if (ch === ',') ASCII_CLASS[c] = C_COMMA;
  else if (ch === '\n') ASCII_CLASS[c] = C_BREAK;
}
/** Code units of an ASCII word character (1), 0 for any other ASCII character. */
const ASCII_UNITS = ASCII_CLASS.map((k) => (k === C_WORD ? 1 : 0));
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
/** Word-ness of BMP characters above ASCII, found once each: 0 unknown, 1 word, 2 not. */
const WIDE_WORD = new Uint8Array(0x10000);
const ASTRAL_WORD = new Map<number, boolean>();

/** Code units of the word character at text[i] (a letter, digit, '_', apostrophe), 0 for none. */
function wordUnits(text: string, i: number, c: number): number {
  if (c < 128) return ASCII_UNITS[c];
  if (c < 0xd800 || c > 0xdfff) {
    let k = WIDE_WORD[c];
    if (k === 0) {
      k = c === 0x2019 || LETTER_OR_DIGIT.test(String.fromCharCode(c)) ? 1 : 2;
      WIDE_WORD[c] = k;
    }
    return k === 1 ? 1 : 0;
  }
  const cp = text.codePointAt(i) as number;
  if (cp <= 0xffff) return 0; // a lone surrogate
  let w = ASTRAL_WORD.get(cp);
  if (w === undefined) {
    w = LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
    ASTRAL_WORD.set(cp, w);
  }
  return w ? 2 : 0;
}

/**
 * The code units of the text being lexed, copied natively in one call: the scanner reads them from
 * a typed array, cheaper than a charCodeAt a read. One buffer, grown as needed up to KEPT_UNITS code
 * units (a longer text gets one of its own, not kept); lex is not re-entered while it scans.
 */
const KEPT_UNITS = 1 << 20;
let unitBuffer = Buffer.allocUnsafeSlow(1 << 16);
let unitView = new Uint16Array(unitBuffer.buffer, unitBuffer.byteOffset, unitBuffer.length >> 1);

/** text's UTF-16 code units (its first text.length entries). */
function codeUnits(text: string): Uint16Array {
  if (text.length > unitView.length) {
    const buffer = Buffer.allocUnsafeSlow(text.length * 2);
    const view = new Uint16Array(buffer.buffer, buffer.byteOffset, text.length);
    if (text.length <= KEPT_UNITS) {
      unitBuffer = buffer;
      unitView = view;
    }
    buffer.write(text, 0, 'utf16le');
    return view;
  }
  unitBuffer.write(text, 0, 'utf16le');
  return unitView;
}

/** Whether a sentence mark or comma may end at i: a space, the end, or an ideograph follows. */
function markEndsAt(units: Uint16Array, n: number, i: number): boolean {
  if (i >= n) return true;
  const c = units[i];
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    (c >= 0x3000 && c <= 0x9fff) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0xfeff
  );
}

/**
 * A token; every token has every field, so the readers see one object shape. It has an Item's
 * fields too, unset (JSON and the token's readers do not see them): `classify` sets them on a token
 * that is an item as it stands (a plain word, a mark) and returns the token itself, not a copy.
 */
function token(
  s: string,
  w: string,
  ident: boolean,
  name: boolean | undefined,
  quoted: boolean | undefined,
  path: string | undefined,
  at: number | undefined,
): Tok {
  const t = {
    s,
    w,
    ident,
    name,
    quoted,
    path,
    at,
    kind: undefined,
    canon: undefined,
    pos: undefined,
    key: undefined,
  };
  return t;
}

/** A sentence or clause mark token ('.', '?', ','). */
function mark(s: string): Tok {
  return token(s, s, false, undefined, undefined, undefined, undefined);
}

/**
 * A sentence end ('.' or '?'): replaces a clause or sentence end just before it, never doubles. A
 * colon that ends a statement keeps ':' as its word: it introduces what follows.
 */
function sentenceEnd(toks: Tok[], s: string, colon = false): void {
  const last = toks.length > 0 ? toks[toks.length - 1].s : undefined;
  if (last === '.' || last === ',') toks[toks.length - 1] = mark(s);
  else if (last !== undefined && last !== '?')
    toks.push(
      colon && s === '.' ? token(s, ':', false, undefined, undefined, undefined, undefined) : mark(s),
    );
}

/**
 * Lexes text: Unicode NFKC, short quoted spans become a neutral placeholder (a mentioned word is
 * not used), identifiers are split and marked, apostrophes dropped ("don't" → "dont"), sentence
 * and clause punctuation kept, every other non-alphanumeric character a separator.
 */
export function lex(text: string): Tok[] {
  const { text: normalized, quoted, shifts } = markQuotes(normalizeText(text));
  let shift = 0;
  let nextShift = 0;
  const paths: Array<[number, number, string]> = [];
  if (normalized.includes('/') || FILE_EXTENSION.test(normalized)) {
    for (const m of normalized.matchAll(WORD)) {
      const at = m.index ?? 0;
      if (m[0].length > 1 && m[0].includes('/')) paths.push([at, at + m[0].length, pathObject(m[0])]);
      // "database.yaml", "app.ts": a file name, whatever its stem says.
      else if (FILE_NAME.test(m[0]) && FILE_EXTENSION.test(m[0])) paths.push([at, at + m[0].length, 'file']);
    }
  }
  let q = 0;
  let p = 0;
  const toks: Tok[] = [];
  const n = normalized.length;
  const u = codeUnits(normalized);
  let i = 0;
  while (i < n) {
    const code = u[i];
    const cls = code < 128 ? ASCII_CLASS[code] : C_OTHER;
    if (cls === C_MARK) {
      let end = i + 1;
      let question = code === 63;
      while (end < n) {
        const d = u[end];
        if (d >= 128 || ASCII_CLASS[d] !== C_MARK) break;
        if (d === 63) question = true;
        end++;
      }
      if (markEndsAt(u, n, end)) {
        // A run longer than eight marks counts its last eight.
        if (end - i > 8) {
          question = false;
          for (let k = end - 8; k < end && !question; k++) question = u[k] === 63;
        }
        sentenceEnd(toks, question ? '?' : '.', code === 58);
      }
      i = end;
      continue;
    }
    if (cls === C_COMMA) {
      if (markEndsAt(u, n, i + 1)) {
        // A one-letter word before a comma is no clause ("a, b"); a one-ideograph Chinese word is (的话，).
        const last = toks[toks.length - 1];
        if (last !== undefined && (last.s.length > 1 || /[\u4e00-\u9fff]/.test(last.s))) toks.push(mark(','));
      }
      i++;
      continue;
    }
    if (cls === C_BREAK || code === 0x3002 /* 。 */) {
      sentenceEnd(toks, '.');
      i++;
      continue;
    }
    if (code === 0x3001 /* 、 */) {
      const last = toks[toks.length - 1];
      if (last !== undefined && (last.s.length > 1 || /[\u4e00-\u9fff]/.test(last.s))) toks.push(mark(','));
      i++;
      continue;
    }
    let units = wordUnits(normalized, i, code);
    if (units === 0) {
      i++;
      continue;
    }
    const at = i;
    let hash = 0;
    // Each character is read once: its code is carried from the test that it continues the word.
    for (let d = code; ; ) {
      hash = (Math.imul(hash, 31) + d) | 0;
      if (units === 2) hash = (Math.imul(hash, 31) + u[i + 1]) | 0;
      i += units;
      // ASCII word characters, the common case, in a loop of their own.
      while (i < n) {
        d = u[i];
        if (d >= 128 || ASCII_UNITS[d] === 0) break;
        hash = (Math.imul(hash, 31) + d) | 0;
        i++;
      }
      if (i >= n) break;
      units = d < 128 ? 0 : wordUnits(normalized, i, d);
      if (units === 0) break;
    }
    while (nextShift < shifts.length && shifts[nextShift][0] <= at) shift = shifts[nextShift++][1];
    while (q < quoted.length && quoted[q][1] <= at) q++;
    while (p < paths.length && paths[p][1] <= at) p++;
    // In bounds only: a read past either end is a slow path in optimized code.
    const name = (at > 0 && u[at - 1] === 45) || (i < n && u[i] === 45);
    const inQuote = q < quoted.length && quoted[q][0] <= at;
    const path = p < paths.length && paths[p][0] <= at ? paths[p][2] : undefined;
    const parts = wordsAt(normalized, u, at, i, hash);
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k];
      toks.push(token(part.s, part.w, part.ident, name, inQuote, path, at - shift + part.off));
    }
  }
  return toks;
}

/**
 * Normalizes text into stemmed word tokens: Unicode NFKC, camelCase and snake_case split, case
 * folded, apostrophes dropped ("don't" → "dont"), clause punctuation kept as boundaries.
 */
export function tokenize(text: string): string[] {
  return lex(text).map((t) => (t.s === '.' || t.s === '?' || t.s === ',' ? BOUNDARY : t.s));
}

type Kind = 'action' | 'object' | 'word' | 'end' | 'comma';

/** A token or lexicon phrase, classified; its token fields are those of its first token. */
export interface Item extends Tok {
  kind: Kind;
  canon: string;
  /** Index of the first token, for negation reach. */
  pos: number;
  /** Stems of the whole phrase joined by spaces (implied objects, verb-final check). */
  key: string;
}

/** Phrase (stemmed words joined by a space) → canonical name, per kind. */
export interface PhraseTable {
  readonly action: Map<string, string>;
  readonly object: Map<string, string>;
  readonly idiom: Set<string>;
  /**
   * Every leading run of words of every key, as a trie of stems: classification extends a phrase
   * only while it is still the start of some key, one map lookup a word (no joined string is built
   * or hashed), so most words cost one lookup, not `longest`.
   */
  readonly prefixes: PhraseNode;
  /** Longest key, in words (at most MAX_PHRASE). */
  readonly longest: number;
}

/** The words after a leading run of words of some key; `key` when the run is a whole key. */
export interface PhraseNode {
  key?: string;
  readonly next: Map<string, PhraseNode>;
}

/** Extra vocabulary a bundle may carry (from policy phrases with words the lexicon lacks). */
export interface Vocabulary {
  actions?: Record<string, readonly string[]>;
  objects?: Record<string, readonly string[]>;
}

export function phraseKey(phrase: string): string {
  return lex(phrase)
    .filter((t) => t.s.length > 1 || /\p{L}|\p{N}/u.test(t.s))
    .map((t) => t.s)
    .join(' ');
}

/**
 * The phrase table of the built-in lexicon plus a bundle's extra vocabulary. The lexicon's keys come
 * from the build's store (vocabularyKey: lexing each of them was a tenth of the waypoint's start-up);
 * a bundle's extra phrases are lexed here, and not kept in that store's process-wide map.
 */
export function phraseTable(extra: Vocabulary): PhraseTable {
  const action = new Map<string, string>();
  const object = new Map<string, string>();
  const idiom = new Set(L.IDIOMS.map(vocabularyKey));
  const add = (map: Map<string, string>, canon: string, key: string) => {
    if (key && !map.has(key)) map.set(key, canon);
  };
  const fill = (
    map: Map<string, string>,
    builtIn: Record<string, readonly string[]>,
    more: Record<string, readonly string[]> = {},
  ) => {
    // Per canonical name: the name, its built-in phrases, then the bundle's (the first key wins).
    for (const canon of Object.keys({ ...builtIn, ...more })) {
      add(map, canon, Object.hasOwn(builtIn, canon) ? vocabularyKey(canon) : phraseKey(canon));
      for (const p of Object.hasOwn(builtIn, canon) ? builtIn[canon]! : []) add(map, canon, vocabularyKey(p));
      for (const p of more[canon] ?? []) add(map, canon, phraseKey(p));
    }
  };
  fill(action, L.ACTIONS, extra.actions);
  fill(object, L.OBJECTS, extra.objects);
  let longest = 1;
  const prefixes: PhraseNode = { next: new Map() };
  for (const key of [...action.keys(), ...object.keys(), ...idiom]) {
    const words = key.split(' ');
    longest = Math.max(longest, words.length);
    let node = prefixes;
    for (let n = 0; n < Math.min(words.length, MAX_PHRASE); n++) {
      let child = node.next.get(words[n]);
      if (child === undefined) {
        child = { next: new Map() };
        node.next.set(words[n], child);
      }
      node = child;
    }
    if (words.length <= MAX_PHRASE) node.key = key;
  }
  return { action, object, idiom, prefixes, longest: Math.min(longest, MAX_PHRASE) };
}

/**
 * An item; every item has every field, in one order (a token's, see `token`), so the readers
 * (prose*.ts) see one object shape. Values are as each kind always had them: a word's `name` is
 * unset (or false: readers test it for truth only), a mark's `quoted`.
 */
function item(
  kind: Kind,
  canon: string,
  s: string,
  w: string,
  ident: boolean,
  name: boolean | undefined,
  quoted: boolean | undefined,
  path: string | undefined,
  pos: number,
  key: string,
): Item {
  return { s, w, ident, name, quoted, path, at: undefined, kind, canon, pos, key };
}

/** Token t (the i-th) as an item: its item fields set (see `token`). */
function reuse(t: Tok, i: number, kind: Kind, canon: string, key: string): Item {
  const it = t as Item;
  it.kind = kind;
  it.canon = canon;
  it.pos = i;
  it.key = key;
  return it;
}

/**
 * A token that starts no lexicon phrase: the token itself when its fields are the item's (no path,
 * no hyphen: a word item's `name` is unset, a token's false, the same to every reader).
 */
function wordItem(t: Tok, i: number): Item {
  if (t.path === undefined && t.name !== true) return reuse(t, i, 'word', '', t.s);
  return item('word', '', t.s, t.w, t.ident, undefined, t.quoted, undefined, i, t.s);
}

/**
 * A sentence or clause mark ('.', '?', ','): the token itself when its fields are the item's
 * (always, for a mark from `lex`).
 */
function markItem(t: Tok, i: number): Item {
  const kind = t.s === ',' ? 'comma' : 'end';
  if (!t.ident && t.name === undefined && t.quoted === undefined && t.path === undefined)
    return reuse(t, i, kind, t.s, t.s);
  return item(kind, t.s, t.s, t.w, false, undefined, undefined, undefined, i, t.s);
}

/** A lexicon phrase of n words starting at token i. */
function phraseItem(kind: Kind, canon: string, t: Tok, n: number, i: number, key: string): Item {
  return item(kind, canon, t.s, t.w, t.ident, t.name && n === 1, t.quoted, undefined, i, key);
}

/** The word runs `classify` is considering (one array, reused: at most MAX_PHRASE of them). */
const runs: PhraseNode[] = [];

export function classify(table: PhraseTable, toks: Tok[]): Item[] {
  const out: Item[] = [];
  const firstWords = table.prefixes.next;
  let i = 0;
  while (i < toks.length) {
    const t = toks[i];
    if (t.s === '.' || t.s === '?' || t.s === ',') {
      out.push(markItem(t, i));
      i++;
      continue;
    }
    if (t.path !== undefined) {
      out.push(item('word', '', t.s, t.w, false, undefined, undefined, t.path, i, t.s));
      i++;
      continue;
    }
    let matched = 0;
    let node = firstWords.get(t.s);
    if (node === undefined) {
      out.push(wordItem(t, i));
      i++;
      continue;
    }
    // The keys that may match here: the word runs from i that are still the start of some key
    // (a sentence or clause mark never is).
    const most = Math.min(table.longest, toks.length - i);
    let count = 0;
    while (count < most && node !== undefined) {
      runs[count++] = node;
      if (count < most) node = node.next.get(toks[i + count].s);
    }
    for (let n = count; n >= 1 && matched === 0; n--) {
      const key = runs[n - 1].key;
      if (key === undefined) continue;
      if (table.idiom.has(key)) {
        out.push(phraseItem('word', '', t, n, i, key));
      } else {
        const action = table.action.get(key);
        const object = table.object.get(key);
        // A word that is both (e.g. "backup") is an action when an object follows, else an object.
        if (action !== undefined && object !== undefined) {
          const next = toks[i + n];
          const nextIsObject = next !== undefined && table.object.has(next.s);
          out.push(
            phraseItem(nextIsObject ? 'action' : 'object', nextIsObject ? action : object, t, n, i, key),
          );
        } else if (action !== undefined) out.push(phraseItem('action', action, t, n, i, key));
        else if (object !== undefined) out.push(phraseItem('object', object, t, n, i, key));
        else continue;
      }
      matched = n;
    }
    if (matched === 0) {
      out.push(wordItem(t, i));
      matched = 1;
    }
    i += matched;
  }
  return out;
}
