// The phrase keys of the vocabulary, read back from the build instead of lexed at start-up: lexing
// every word of every list (prose-words.ts) was most of the analyser's start-up. `npm run build`
// stores the keys computed while loading the lists (scripts/copy-assets.mjs) next to this module,
// stamped with a hash of what a key is computed from — this folder's modules and its vocabulary
// data — so a store from other code or other lists is never used; without a valid store (running
// from sources, a partial build) every key is computed as before.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { phraseKey } from './lexing.js';

const HERE = new URL('./', import.meta.url).pathname;
export const STORED_KEYS_PATH = `${HERE}phrase-keys.json`;
const FORMAT = 'semamesh-phrase-keys-1';

interface StoredKeys {
  format: string;
  source: string;
  words: string[];
  keys: string[];
}

/**
 * A hash of the files a key depends on: the modules of this folder (lexing, its lexicon and the
 * data-loading code; tests excluded) and the data they read (data/*.json, languages/*.json).
 */
export function keySource(dir = HERE): string {
  const hash = createHash('sha256');
  const add = (sub: string, suffix: string, skip?: string) => {
    let names: string[];
    try {
      names = readdirSync(`${dir}${sub}`).sort();
    } catch {
      return;
    }
    for (const name of names)
      if (name.endsWith(suffix) && !(skip && name.endsWith(skip)))
        hash
          .update(`${sub}${name}\0`)
          .update(readFileSync(`${dir}${sub}${name}`))
          .update('\0');
  };
  add('', '.js', '.test.js');
  add('data/', '.json');
  add('languages/', '.json');
  return hash.digest('hex');
}

/**
 * The keys stored at `path` when they were made from exactly the modules and lists `source` hashes
 * (absent, unreadable, of another format or from other sources: empty).
 */
export function readStore(path = STORED_KEYS_PATH, source = keySource): Map<string, string> {
  let stored: StoredKeys;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as StoredKeys;
  } catch {
    return new Map();
  }
  const valid =
    stored.format === FORMAT &&
    Array.isArray(stored.words) &&
    Array.isArray(stored.keys) &&
    stored.words.length === stored.keys.length &&
    stored.source === source();
  return valid ? new Map(stored.words.map((w, i) => [w, stored.keys[i]!])) : new Map();
}

let store: Map<string, string> | undefined;
/** Keys computed here (not found in the store): what a build stores. */
const computed = new Map<string, string>();

/** phraseKey(word), from the build's store when it holds the word. */
export function vocabularyKey(word: string): string {
  store ??= readStore();
  const key = store.get(word) ?? computed.get(word);
  if (key !== undefined) return key;
  const fresh = phraseKey(word);
  computed.set(word, fresh);
  return fresh;
}

/** The store of the keys computed so far in this process (the build loads the lists, then calls this). */
export function storedKeysFile(source = keySource()): string {
  const words = [...computed.keys()];
  const file: StoredKeys = {
    format: FORMAT,
    source,
    words,
    keys: words.map((w) => computed.get(w)!),
  };
  return JSON.stringify(file);
}
