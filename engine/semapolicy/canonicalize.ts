// The intent canonicalizer: turns prompts, tool calls and policy phrases into `action:object` pairs.
// One implementation serves both sides — the compiler canonicalizes `intentMatches` phrases and the
// waypoint canonicalizes traffic — so matching in Rego is plain set membership.

import { ACTIONS, NEGATIONS, OBJECTS, PREPOSITIONS, STOPWORDS } from './lexicon.js';

/** How many content words (stop words excluded) may separate an action from its object. */
const WINDOW = 3;
/** How many tokens before an action a negation still applies to it. */
const NEGATION_REACH = 3;
/** Longest phrase in the lexicon, in words. */
const MAX_PHRASE = 3;
/** Text beyond this many characters is not scanned (bounded work per request). */
export const MAX_SCAN_CHARS = 64 * 1024;

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
  if (suffixRemoved && w.length > 2 && w[w.length - 1] === w[w.length - 2] && !'aeiouylsz'.includes(w[w.length - 1])) {
    w = w.slice(0, -1);
  }
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** A clause boundary token: negation and pairing never cross it. */
const BOUNDARY = '|';

/**
 * Normalizes text into stemmed word tokens: Unicode NFKC, camelCase and snake_case split, case
 * folded, apostrophes dropped ("don't" → "dont"), clause punctuation kept as boundaries, every
 * other non-alphanumeric character a separator.
 */
export function tokenize(text: string): string[] {
  const bounded = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const normalized = bounded
    .normalize('NFKC')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[,.;:!?\n]+(\s|$)/g, ` ${BOUNDARY} `);
  const tokens: string[] = [];
  for (const raw of normalized.split(/[^\p{L}\p{N}|]+/u)) {
    if (raw === '') continue;
    if (raw.includes(BOUNDARY)) {
      for (const part of raw.split(BOUNDARY)) if (part) tokens.push(stem(part));
      tokens.push(BOUNDARY);
      continue;
    }
    tokens.push(stem(raw));
  }
  return tokens;
}

type Kind = 'action' | 'object';

/** Phrase (stemmed words joined by a space) → canonical name, per kind. */
interface PhraseTable {
  readonly action: Map<string, string>;
  readonly object: Map<string, string>;
}

function buildTable(actions: Record<string, readonly string[]>, objects: Record<string, readonly string[]>) {
  const table: PhraseTable = { action: new Map(), object: new Map() };
  const add = (map: Map<string, string>, canon: string, phrase: string) => {
    const key = tokenize(phrase)
      .filter((t) => t !== BOUNDARY)
      .join(' ');
    if (key && !map.has(key)) map.set(key, canon);
  };
  for (const [canon, phrases] of Object.entries(actions)) {
    add(table.action, canon, canon);
    for (const p of phrases) add(table.action, canon, p);
  }
  for (const [canon, phrases] of Object.entries(objects)) {
    add(table.object, canon, canon);
    for (const p of phrases) add(table.object, canon, p);
  }
  return table;
}

const STOP = new Set(STOPWORDS.map(stem));
const NEGATE = new Set(NEGATIONS.map(stem));
const PREPOSITION = new Set(PREPOSITIONS.map(stem));

interface Item {
  kind: Kind | 'negation' | 'boundary' | 'preposition' | 'stop' | 'word';
  canon?: string;
  /** Position in the token stream, for negation reach. */
  pos: number;
}

/** Extra vocabulary a bundle may carry (from policy phrases with words the lexicon lacks). */
export interface Vocabulary {
  actions?: Record<string, readonly string[]>;
  objects?: Record<string, readonly string[]>;
}

/** A canonicalizer bound to a vocabulary; reuse one instance (building the tables is the costly part). */
export class Canonicalizer {
  private readonly table: PhraseTable;

  constructor(extra: Vocabulary = {}) {
    const actions: Record<string, readonly string[]> = { ...ACTIONS };
    const objects: Record<string, readonly string[]> = { ...OBJECTS };
    for (const [k, v] of Object.entries(extra.actions ?? {})) actions[k] = [...(actions[k] ?? []), ...v];
    for (const [k, v] of Object.entries(extra.objects ?? {})) objects[k] = [...(objects[k] ?? []), ...v];
    this.table = buildTable(actions, objects);
  }

  /** Classifies tokens, matching the longest lexicon phrase at each position. */
  private items(tokens: string[]): Item[] {
    const out: Item[] = [];
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i];
      if (t === BOUNDARY) {
        out.push({ kind: 'boundary', pos: i });
        i++;
        continue;
      }
      let matched = false;
      for (let n = Math.min(MAX_PHRASE, tokens.length - i); n >= 1 && !matched; n--) {
        const phrase = tokens.slice(i, i + n);
        if (phrase.includes(BOUNDARY)) continue;
        const key = phrase.join(' ');
        const action = this.table.action.get(key);
        const object = this.table.object.get(key);
        // A word that is both (e.g. "backup") is an action when an object follows, else an object.
        if (action !== undefined && object !== undefined) {
          const next = tokens[i + n];
          const nextIsObject = next !== undefined && this.table.object.has(next);
          out.push({ kind: nextIsObject ? 'action' : 'object', canon: nextIsObject ? action : object, pos: i });
        } else if (action !== undefined) out.push({ kind: 'action', canon: action, pos: i });
        else if (object !== undefined) out.push({ kind: 'object', canon: object, pos: i });
        else continue;
        i += n;
        matched = true;
      }
      if (matched) continue;
      const kind = NEGATE.has(t) ? 'negation' : PREPOSITION.has(t) ? 'preposition' : STOP.has(t) ? 'stop' : 'word';
      out.push({ kind, pos: i });
      i++;
    }
    return out;
  }

  /**
   * The `action:object` pairs in a text. An action pairs with objects up to WINDOW content words
   * after it (or before it, for passive phrasing such as "the database should be dropped"), never
   * across a clause boundary or another action; a negation shortly before an action cancels it.
   */
  pairs(text: string): string[] {
    const items = this.items(tokenize(text));
    const found = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.kind !== 'action') continue;
      if (this.negated(items, i)) continue;
      const forward = this.scan(items, i, +1);
      const objects = forward.length > 0 ? forward : this.scan(items, i, -1);
      for (const o of objects) found.add(`${it.canon}:${o}`);
    }
    for (const p of shellIntents([text])) found.add(p);
    return [...found].sort();
  }

  private negated(items: Item[], at: number): boolean {
    const pos = items[at].pos;
    for (let j = at - 1; j >= 0; j--) {
      const it = items[j];
      if (it.kind === 'boundary' || pos - it.pos > NEGATION_REACH) return false;
      if (it.kind === 'negation') return true;
    }
    return false;
  }

  private scan(items: Item[], from: number, dir: 1 | -1): string[] {
    const objects: string[] = [];
    let content = 0;
    for (let j = from + dir; j >= 0 && j < items.length; j += dir) {
      const it = items[j];
      if (it.kind === 'boundary' || it.kind === 'action') break;
      if (it.kind === 'stop') continue;
      if (it.kind === 'preposition') {
        if (content > 0) break;
        continue;
      }
      if (it.kind === 'object') objects.push(it.canon!);
      if (++content >= WINDOW) break;
    }
    return objects;
  }

  /** Canonicalizes one policy phrase such as "drop database" (→ ["delete:database"]). */
  phrase(text: string): string[] {
    return this.pairs(text);
  }

  /**
   * Canonicalizes a tool call: its name (e.g. `delete_namespace`) and every string in its JSON
   * arguments (e.g. a shell command `kubectl delete ns prod` or SQL `DROP DATABASE x`), each on its
   * own and name + arguments together.
   */
  toolCall(name: string, args: unknown): string[] {
    const strings: string[] = [];
    collectStrings(args, strings, 0);
    const found = new Set<string>(this.pairs(name));
    for (const s of strings) for (const p of this.pairs(s)) found.add(p);
    for (const p of this.pairs(`${name} ${strings.join(' ')}`)) found.add(p);
    return [...found].sort();
  }
}

/** Shell forms whose object is implied by the command itself (`rm -rf /`). */
function shellIntents(strings: string[]): string[] {
  const out: string[] = [];
  for (const s of strings) {
    if (/(^|[\s;&|(])(sudo\s+)?(rm|rmdir|shred|unlink)\s+(-[-\w]+\s+)*\S/.test(s)) out.push('delete:file');
    if (/\bmkfs(\.\w+)?\s|\bdd\s+[^\n]*\bof=\/dev\//.test(s)) out.push('delete:volume');
    if (/\bdelete\s+from\s+\w/i.test(s)) out.push('delete:database');
  }
  return out;
}

/** Collects string leaves (and object keys) of parsed JSON arguments, bounded in depth. */
function collectStrings(value: unknown, out: string[], depth: number): void {
  if (depth > 32 || out.length > 1000) return;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        collectStrings(JSON.parse(trimmed), out, depth + 1);
        return;
      } catch {
        // not JSON after all: treat as text
      }
    }
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collectStrings(v, out, depth + 1);
    }
  }
}

let shared: Canonicalizer | undefined;

/** The canonicalizer with the built-in lexicon only. */
export function defaultCanonicalizer(): Canonicalizer {
  shared ??= new Canonicalizer();
  return shared;
}
