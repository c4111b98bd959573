// The intent canonicalizer: turns prompts, tool calls and policy phrases into `action:object` pairs.
// One implementation serves both sides — the compiler canonicalizes `intentMatches` phrases and the
// waypoint canonicalizes traffic — so matching in Rego is plain set membership. This file is the
// facade; the stages are lexing ← prose ← sql / shell ← tools.

import { blankComments } from './comments.js';
import { type Discourse, discourse } from './coreference.js';
import { decodedRuns } from './decode.js';
import { expandPolicyPairs } from './hierarchy.js';
import type { Vocabulary } from './lexing.js';
import { normalizeText, normalizeUnicode } from './normalize.js';
import { type ProseOptions, ProseReader, type Reading } from './prose.js';
import { withoutCamouflage } from './prose-words.js';
import { codePairs, commandPairs, looksLikeCode, looksLikeCommand } from './shell.js';
import { looksLikeStore, storePairs } from './sql.js';
import { toolCallPairs } from './tools.js';

export { stem, tokenize, type Vocabulary } from './lexing.js';
export { normalizeText, normalizeUnicode } from './normalize.js';

/** A canonicalizer bound to a vocabulary; reuse one instance (building the tables is the costly part). */
export class Canonicalizer {
  private readonly reader: ProseReader;

  /** The vocabulary it was built with beyond the lexicon (an analysis worker builds its twin from it). */
  readonly vocabulary: Vocabulary;

  constructor(extra: Vocabulary = {}) {
    this.vocabulary = extra;
    this.reader = new ProseReader(extra);
  }

  /** The object a single word or short phrase denotes, if any (`pvc` → volume). */
  objectOf(words: string): string | undefined {
    return this.reader.objectOf(words);
  }

  /** Whether a tool name says its arguments are content to search, translate or summarize. */
  isContentTool(name: string): boolean {
    return this.reader.isContentTool(name);
  }

  /** The action a single word or short phrase denotes, if any. */
  actionOf(words: string): string | undefined {
    return this.reader.actionOf(words);
  }

  /**
   * The actions and objects named by a short identifier or word group (`terminate-instances`,
   * `k8s_delete_resource`): objects after the first action (all of them when there is none),
   * most specific last.
   */
  meaning(text: string): { actions: string[]; objects: string[]; head?: string } {
    return this.reader.meaning(text);
  }

  /**
   * The `action:object` pairs in a text. SQL and shell commands are parsed as such; prose is read
   * sentence by sentence: an action pairs with the noun phrase after it (or before it, for a
   * passive request such as "the database should be dropped"), never across a sentence; negated
   * actions, informational questions, reports of the past and mentioned names produce nothing.
   */
  pairs(text: string): string[] {
    return this.analyze(text, {});
  }

  /**
   * Canonicalizes one policy phrase such as "drop database" (→ ["delete:database"] plus the
   * finer objects once folded into it, delete:schema and delete:table: see hierarchy.ts).
   */
  phrase(text: string): string[] {
    return expandPolicyPairs(this.name(text));
  }

  /** A name read as words (`drop_table`, `./wipe-disk.sh`, a policy phrase), without expansion. */
  name(text: string): string[] {
    // A policy phrase is words, not a statement: "drop table" names tables even though it would
    // also parse as (truncated) SQL.
    const prose = this.reader.read(text, { identifiers: true });
    return prose.length > 0 ? prose : this.analyze(text, { identifiers: true });
  }

  /**
   * How a text was read, for `semamesh explain` and audit spans: which reader (SQL, shell, prose),
   * the pairs with the spans they came from (offsets, no text) and, for prose, the actions that
   * produced nothing and why.
   */
  explain(text: string): { reader: 'sql' | 'shell' | 'prose'; pairs: string[] } & Reading {
    // Spans are offsets into the normalised text (invisible characters removed, NFKC).
    const t = blankComments(normalizeUnicode(text));
    const pairs = this.analyze(text, {});
    if (looksLikeStore(t)) return { reader: 'sql', pairs, evidence: [], rejected: [] };
    if (looksLikeCommand(this, t)) return { reader: 'shell', pairs, evidence: [], rejected: [] };
    return { reader: 'prose', ...this.reader.readDetailed(t, {}), pairs };
  }

  /**
   * What a text contributes to a conversation's coreference (coreference.ts): the entities it
   * leaves salient and its sentences whose action takes a pronoun with no antecedent in the text.
   */
  discourse(text: string): Discourse {
    const t = blankComments(normalizeUnicode(text));
    const { toks, items } = this.reader.lexed(t);
    return discourse(items, toks, normalizeText(t));
  }

  /**
   * Canonicalizes a tool call: its name (e.g. `delete_namespace`), every string in its JSON
   * arguments (shell commands, SQL, prose — each on its own), argument keys, and the structure
   * `{verb|action|method: …, kind|type|resource: …, url: …}` combined with the name.
   */
  toolCall(name: string, args: unknown): string[] {
    return toolCallPairs(this, name, args);
  }

  // Every character is read (no truncation); the waypoint bounds the work per request instead.
  // Comments in SQL, shell and code are blanked first: they describe, they do not instruct.
  private analyze(text: string, opts: ProseOptions, depth = 0): string[] {
    const t = blankComments(normalizeUnicode(text));
    const pairs = this.read(t, opts, depth);
    // Accents are meaning in Spanish or French but camouflage in English ("dròp the dätabase"):
    // a text with accented letters is read a second time without them, and either reading counts.
    const bare = withoutCamouflage(t);
    if (bare === t) return pairs;
    return [...new Set([...pairs, ...this.read(bare, opts, depth)])].sort();
  }

  private read(t: string, opts: ProseOptions, depth: number): string[] {
    let pairs: string[];
    if (looksLikeStore(t)) pairs = storePairs(t);
    else if (looksLikeCommand(this, t)) pairs = commandPairs(this, t);
    else pairs = this.reader.read(t, opts);
    // Source code: calls like `delete_namespace(name='prod')` and the strings it runs.
    if (looksLikeCode(t)) pairs = [...new Set([...pairs, ...codePairs(this, t)])].sort();
    // Encoded runs (base64, hex, %-escapes) are read as what they decode to, two levels deep.
    const decoded = depth < 2 ? decodedRuns(t) : [];
    if (decoded.length === 0) return pairs;
    const all = new Set(pairs);
    for (const d of decoded) for (const p of this.analyze(d, opts, depth + 1)) all.add(p);
    return [...all].sort();
  }
}

let shared: Canonicalizer | undefined;

/** The canonicalizer with the built-in lexicon only. */
export function defaultCanonicalizer(): Canonicalizer {
  shared ??= new Canonicalizer();
  return shared;
}
