// Token counting with js-tiktoken: o200k_base for current OpenAI models, cl100k_base for the classic
// ones, o200k as the pre-call approximation for Anthropic (exact counts come from the response usage).
import { Tiktoken } from 'js-tiktoken/lite';
import type { DecisionRequest } from '../policy/decision.js';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface Tokenizers {
  /** The encoding a model's tokens are counted with. */
  encodingFor(model: string): EncodingName;
  count(text: string, encoding: EncodingName): number;
  /** Prompt tokens of a normalized request, by OpenAI's cookbook formula for chat messages. */
  promptTokens(req: DecisionRequest, toolsJson?: string): number;
}

/** Beyond this many characters a text is estimated (4 characters a token), not encoded: bounded CPU. */
export const EXACT_LIMIT = 256 * 1024;

// Agents resend the same system prompt and tools every turn; a memo keeps the encoder off the hot path.
const MEMO_LIMIT = 4096;

let loading: Promise<Tokenizers> | undefined;

/** Loads both encoders once per process (1–2 s on first call) and shares them. */
export function loadTokenizers(): Promise<Tokenizers> {
  loading ??= load();
  return loading;
}

async function load(): Promise<Tokenizers> {
  const [o200k, cl100k] = await Promise.all([
    import('js-tiktoken/ranks/o200k_base'),
    import('js-tiktoken/ranks/cl100k_base'),
  ]);
  const counters: Record<EncodingName, (text: string) => number> = {
    o200k_base: pieceCounter(new Tiktoken(o200k.default), o200k.default.pat_str),
    cl100k_base: pieceCounter(new Tiktoken(cl100k.default), cl100k.default.pat_str),
  };
  const memos: Record<EncodingName, Map<string, number>> = { o200k_base: new Map(), cl100k_base: new Map() };

  const count = (text: string, enc: EncodingName): number => {
    if (text.length === 0) return 0;
    if (text.length > EXACT_LIMIT) return Math.ceil(text.length / 4);
    const memo = memos[enc];
    let n = memo.get(text);
    if (n === undefined) {
      n = counters[enc](text);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(text, n);
    }
    return n;
  };

  return {
    encodingFor,
    count,
    promptTokens(req, toolsJson) {
      const enc = encodingFor(req.model);
      const tools = toolsJson ? count(toolsJson, enc) : 0;
      if (req.api !== 'chat.completions' && req.api !== 'messages' && req.api !== 'messages.count_tokens') {
        return count(req.text, enc) + tools;
      }
      let n = 3;
      for (const m of req.messages) n += 3 + count(m.role, enc) + count(m.text, enc);
      return n + tools;
    },
  };
}

export function encodingFor(model: string): EncodingName {
  const m = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt|o\d)/.test(m)) return 'o200k_base';
  if (/^(gpt-3\.5|gpt-4|text-embedding|text-davinci|davinci|babbage)/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}

/** Distinct pre-token pieces remembered per encoding before the cache is dropped whole. */
const PIECE_LIMIT = 200_000;
/**
 * BPE on one piece is quadratic in its length (as in tiktoken); a longer piece (a base64 blob, a
 * long hex string) is estimated at 3 bytes a token, which over-counts slightly and stays bounded.
 */
const MAX_PIECE_BYTES = 512;

const utf8 = new TextEncoder();

/**
 * Counts tokens the way tiktoken does — split with the encoding's pre-tokenizer pattern, then BPE
 * per piece over the encoder's rank table — remembering each piece's count, since words recur
 * across prompts and BPE is the expensive part. (js-tiktoken's own encode() also recompiles its
 * regexes on every call.) Special-token text such as "<|endoftext|>" counts as ordinary text.
 */
function pieceCounter(encoder: Tiktoken, pattern: string): (text: string) => number {
  const split = new RegExp(pattern, 'gu');
  const pieces = new Map<string, number>();
  const ranks = (encoder as unknown as { rankMap?: Map<string, number> }).rankMap;
  // The rank table is an internal field of js-tiktoken; without it, fall back to its encoder.
  const countPiece =
    ranks instanceof Map && ranks.size > 0
      ? (piece: string) => bpeCount(utf8.encode(piece), ranks)
      : (piece: string) => encoder.encode(piece, [], []).length;
  return (text) => {
    let n = 0;
    for (const m of text.matchAll(split)) {
      const piece = m[0];
      let c = pieces.get(piece);
      if (c === undefined) {
        c = countPiece(piece);
        if (pieces.size >= PIECE_LIMIT) pieces.clear();
        pieces.set(piece, c);
      }
      n += c;
    }
    return n;
  };
}

/** Number of tokens byte-pair merging yields for one piece (tiktoken's merge order: lowest rank first). */
function bpeCount(bytes: Uint8Array, ranks: Map<string, number>): number {
  if (bytes.length <= 1 || ranks.has(bytes.join(','))) return 1;
  if (bytes.length > MAX_PIECE_BYTES) return Math.ceil(bytes.length / 3);
  // bounds[k] is where part k starts; parts end where the next begins.
  const bounds: number[] = [];
  for (let i = 0; i <= bytes.length; i++) bounds.push(i);
  const key = (from: number, to: number) => bytes.subarray(from, to).join(',');
  while (bounds.length > 2) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let k = 0; k + 2 < bounds.length; k++) {
      const r = ranks.get(key(bounds[k], bounds[k + 2]));
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = k;
      }
    }
    if (best < 0) break;
    bounds.splice(best + 1, 1);
  }
  return bounds.length - 1;
}
