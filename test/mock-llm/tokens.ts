// Token counting for the mock's `usage` figures: real o200k_base counts through js-tiktoken, or a cheap
// deterministic approximation for callers that do not want to pay the encoder's load time.
import { MockLlmError } from './errors.js';

export type TokenizerKind = 'o200k' | 'approx';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  count(text: string): number;
  /** Keeps the longest prefix of `text` that fits in `max` tokens. */
  truncate(text: string, max: number): string;
}

// Agents resend the same system prompt and tool list on every turn, and benchmarks send one prompt
// thousands of times, so a small memo keeps tiktoken off the hot path; it is dropped whole when full.
const MEMO_LIMIT = 4096;

function memoized(kind: TokenizerKind, countRaw: (t: string) => number, truncate: Tokenizer['truncate']) {
  const memo = new Map<string, number>();
  return {
    kind,
    truncate,
    count(text: string): number {
      if (text.length === 0) return 0;
      let n = memo.get(text);
      if (n === undefined) {
        n = countRaw(text);
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(text, n);
      }
      return n;
    },
  } satisfies Tokenizer;
}

// The approximation pre-splits the way o200k does (letters, up to three digits, punctuation runs,
// whitespace) and charges one token per piece plus one per further 6 characters of a long piece.
const PIECES = / ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+/gu;

function approxPieces(text: string): string[] {
  return text.match(PIECES) ?? [];
}

function approxCost(piece: string): number {
  return 1 + Math.floor(Math.max(0, piece.length - 1) / 6);
}

export function createApproxTokenizer(): Tokenizer {
  return memoized(
    'approx',
    (text) => approxPieces(text).reduce((n, p) => n + approxCost(p), 0),
    (text, max) => {
      let used = 0;
      let out = '';
      for (const p of approxPieces(text)) {
        used += approxCost(p);
        if (used > max) break;
        out += p;
      }
      return out;
    },
  );
}

let o200k: Promise<Tokenizer> | undefined;

/** Loads the o200k_base encoder once per process (about 0.4 s here); later calls share it. */
function loadO200k(): Promise<Tokenizer> {
  o200k ??= (async () => {
    try {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const { default: ranks } = await import('js-tiktoken/ranks/o200k_base');
      const enc = new Tiktoken(ranks);
      return memoized(
        'o200k',
        (text) => enc.encode(text).length,
        (text, max) => {
          const ids = enc.encode(text);
          return ids.length <= max ? text : enc.decode(ids.slice(0, Math.max(0, max)));
        },
      );
    } catch (cause) {
      o200k = undefined;
      throw new MockLlmError('SM_ERR_MOCK_TOKENIZER_LOAD', 'cannot load the o200k_base tokenizer', { cause });
    }
  })();
  return o200k;
}

let approx: Tokenizer | undefined;

export function loadTokenizer(kind: TokenizerKind): Promise<Tokenizer> {
  if (kind === 'o200k') return loadO200k();
  approx ??= createApproxTokenizer();
  return Promise.resolve(approx);
}
