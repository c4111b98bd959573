// Token counting with tiktoken's exact ids (our BPE over js-tiktoken's rank tables): o200k_base for
// current OpenAI models, cl100k_base for the classic ones, o200k as the pre-call approximation for
// Anthropic (exact counts come from the response usage).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DecisionRequest } from '../policy/decision.js';
import { TextMemo } from '../text-memo.js';
import { BpeEncoder, type RankFile } from './bpe.js';

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

// Agents resend the same system prompt, tools and history every turn; a memo keeps the encoder off
// the hot path (a TextMemo: a resent message is found without hashing all of it). Bounded by entries and by the characters of the texts it holds as keys (a memo of
// 4,096 texts of up to EXACT_LIMIT characters each would otherwise hold gigabytes).
const MEMO_LIMIT = 4096;
const MEMO_MAX_CHARS = 8 * 1024 * 1024;

let loading: Promise<Tokenizers> | undefined;

/** The process's tokenizers (one encoder per encoding, built on first use and shared). */
export function loadTokenizers(): Promise<Tokenizers> {
  loading ??= load();
  return loading;
}

/**
 * The rank files are read (a 1–2 MB module each) and their tables built (typed arrays, tens of
 * milliseconds; read back from the build's stored copy when there is one) on first use, synchronously through the package's CommonJS build since counting is
 * synchronous: o200k (what current models use) is warmed in the background right after start-up so
 * the first request rarely waits, cl100k only when a classic model is asked for — most deployments
 * never load it, and start-up never waits for either.
 */
const RANK_FILES: Record<EncodingName, string> = {
  o200k_base: 'js-tiktoken/ranks/o200k_base',
  cl100k_base: 'js-tiktoken/ranks/cl100k_base',
};
const require = createRequire(import.meta.url);

async function load(): Promise<Tokenizers> {
  const encoders: Partial<Record<EncodingName, BpeEncoder>> = {};
  const encoder = (enc: EncodingName): BpeEncoder => {
    if (!encoders[enc]) {
      const file = require(RANK_FILES[enc]) as RankFile;
      encoders[enc] = new BpeEncoder(file, storedTable(enc, file));
    }
    return encoders[enc];
  };
  setTimeout(() => encoder('o200k_base'), 50).unref();
  const counters: Record<EncodingName, (text: string) => number> = {
    o200k_base: (text) => encoder('o200k_base').count(text),
    cl100k_base: (text) => encoder('cl100k_base').count(text),
  };
  const memos: Record<EncodingName, TextMemo<number>> = {
    o200k_base: new TextMemo(),
    cl100k_base: new TextMemo(),
  };
  const memoChars: Record<EncodingName, number> = { o200k_base: 0, cl100k_base: 0 };

  const count = (text: string, enc: EncodingName): number => {
    if (text.length === 0) return 0;
    if (text.length > EXACT_LIMIT) return Math.ceil(text.length / 4);
    const memo = memos[enc];
    let n = memo.get('', text);
    if (n === undefined) {
      n = counters[enc](text);
      if (memo.size >= MEMO_LIMIT || memoChars[enc] + text.length > MEMO_MAX_CHARS) {
        memo.clear();
        memoChars[enc] = 0;
      }
      memo.set('', text, n);
      memoChars[enc] += text.length;
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

/**
 * The file a build stores an encoding's table in (next to this module in dist/, by
 * scripts/copy-assets.mjs), named by a hash of the rank text it was built from: a js-tiktoken
 * upgrade names another file, and the table is then built from the text as when none is stored.
 */
export function storedTablePath(enc: EncodingName, file: RankFile): string {
  const digest = createHash('sha256').update(file.bpe_ranks).digest('hex').slice(0, 16);
  return new URL(`./${enc}-${digest}.ranks`, import.meta.url).pathname;
}

function storedTable(enc: EncodingName, file: RankFile): Uint8Array | undefined {
  try {
    return readFileSync(storedTablePath(enc, file));
  } catch {
    return undefined;
  }
}

export function encodingFor(model: string): EncodingName {
  const m = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt|o\d)/.test(m)) return 'o200k_base';
  if (/^(gpt-3\.5|gpt-4|text-embedding|text-davinci|davinci|babbage)/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}
