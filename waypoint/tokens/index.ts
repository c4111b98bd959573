// Token counting with tiktoken's exact ids (our BPE over js-tiktoken's rank tables): o200k_base for
// current OpenAI models, cl100k_base for the classic ones, o200k as the pre-call approximation for
// Anthropic (exact counts come from the response usage).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
 * An encoding's table is read back from the build's stored copy (no rank module loaded), else built
 * from js-tiktoken's rank file (a 1–2 MB module: tens of milliseconds), synchronously through the
 * package's CommonJS build since counting is synchronous: o200k (what current models use) is warmed
 * in the background right after start-up so the first request rarely waits, cl100k only when a
 * classic model is asked for — most deployments never load it, and start-up never waits for either.
 */
const RANK_FILES: Record<EncodingName, string> = {
  o200k_base: 'js-tiktoken/ranks/o200k_base',
  cl100k_base: 'js-tiktoken/ranks/cl100k_base',
};
const require = createRequire(import.meta.url);

async function load(): Promise<Tokenizers> {
  const encoders: Partial<Record<EncodingName, BpeEncoder>> = {};
  const encoder = (enc: EncodingName): BpeEncoder => {
    encoders[enc] ??= storedEncoder(enc) ?? new BpeEncoder(require(RANK_FILES[enc]) as RankFile);
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

let tiktokenVersion: string | null | undefined;

/** js-tiktoken's version, from the package.json above its resolved entry (the file is not exported). */
function installedTiktoken(): string | undefined {
  if (tiktokenVersion !== undefined) return tiktokenVersion ?? undefined;
  tiktokenVersion = null;
  let dir: string;
  try {
    dir = dirname(require.resolve('js-tiktoken'));
  } catch {
    return undefined;
  }
  for (; dirname(dir) !== dir; dir = dirname(dir)) {
    let pkg: { name?: unknown; version?: unknown };
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue; // no (readable) package.json at this level
    }
    if (pkg.name !== 'js-tiktoken') continue; // a nested package.json (e.g. one only giving "type")
    if (typeof pkg.version === 'string') tiktokenVersion = pkg.version;
    break;
  }
  return tiktokenVersion ?? undefined;
}

/**
 * The file a build stores an encoding in (next to this module in dist/, by scripts/copy-assets.mjs),
 * named by the encoding and the js-tiktoken version it was built from, so that checking it needs
 * neither the 1–2 MB rank module nor a hash of it: another js-tiktoken names another file, and the
 * table is then built from the rank text as when none is stored. Undefined if the version is unknown.
 */
export function storedTablePath(enc: EncodingName): string | undefined {
  const version = installedTiktoken();
  if (!version || !/^[0-9A-Za-z.+-]+$/.test(version)) return undefined;
  return new URL(`./${enc}-js-tiktoken-${version}.ranks`, import.meta.url).pathname;
}

/**
 * What the stored file holds: the pre-tokenizer pattern's length (a 32-bit word) and UTF-8 text,
 * padded to 4 bytes, then the rank table as BpeEncoder.serialized() gives it.
 */
export function storedEncoding(file: RankFile): Uint8Array {
  const pattern = Buffer.from(file.pat_str, 'utf8');
  const head = 4 + pattern.length + ((4 - (pattern.length % 4)) % 4);
  const table = new BpeEncoder(file).serialized();
  const out = new Uint8Array(head + table.length);
  new DataView(out.buffer).setUint32(0, pattern.length, true);
  out.set(pattern, 4);
  out.set(table, head);
  return out;
}

/** The encoder from the stored file, or undefined when there is none (or it does not read back). */
function storedEncoder(enc: EncodingName): BpeEncoder | undefined {
  const path = storedTablePath(enc);
  if (!path) return undefined;
  try {
    return readStoredEncoding(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The encoder `storedEncoding` wrote; throws on bytes that are not one. */
export function readStoredEncoding(bytes: Buffer): BpeEncoder {
  const length = bytes.readUInt32LE(0);
  const head = 4 + length + ((4 - (length % 4)) % 4);
  if (head > bytes.length) throw new Error('stored encoding: truncated pattern');
  return new BpeEncoder({ pat_str: bytes.toString('utf8', 4, 4 + length) }, bytes.subarray(head));
}

export function encodingFor(model: string): EncodingName {
  const m = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt|o\d)/.test(m)) return 'o200k_base';
  if (/^(gpt-3\.5|gpt-4|text-embedding|text-davinci|davinci|babbage)/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}
