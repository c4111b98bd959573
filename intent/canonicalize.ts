// The intent canonicalizer: turns prompts, tool calls and policy phrases into `action:object` pairs.
// One implementation serves both sides — the compiler canonicalizes `intentMatches` phrases and the
// waypoint canonicalizes traffic — so matching in Rego is plain set membership. This file is the
// facade; the stages are lexing ← prose ← sql / shell ← tools.

import { blankComments } from './comments.js';
import { expandPolicyPairs } from './hierarchy.js';
import { MAX_SCAN_CHARS, type Vocabulary } from './lexing.js';
import { type ProseOptions, ProseReader, type Reading } from './prose.js';
import { commandPairs, looksLikeCommand } from './shell.js';
import { looksLikeStore, storePairs } from './sql.js';
import { toolCallPairs } from './tools.js';

export { MAX_SCAN_CHARS, stem, tokenize, type Vocabulary } from './lexing.js';

/** A canonicalizer bound to a vocabulary; reuse one instance (building the tables is the costly part). */
export class Canonicalizer {
  private readonly reader: ProseReader;

  constructor(extra: Vocabulary = {}) {
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
    // A policy phrase is words, not a statement: "drop table" names tables even though it would
    // also parse as (truncated) SQL.
    const prose = this.reader.read(text, { identifiers: true });
    return expandPolicyPairs(prose.length > 0 ? prose : this.analyze(text, { identifiers: true }));
  }

  /**
   * How a text was read, for `semamesh explain` and audit spans: which reader (SQL, shell, prose),
   * the pairs with the spans they came from (offsets, no text) and, for prose, the actions that
   * produced nothing and why.
   */
  explain(text: string): { reader: 'sql' | 'shell' | 'prose'; pairs: string[] } & Reading {
    const bounded = blankComments(text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text);
    if (looksLikeStore(bounded))
      return { reader: 'sql', pairs: storePairs(bounded), evidence: [], rejected: [] };
    if (looksLikeCommand(this, bounded))
      return { reader: 'shell', pairs: commandPairs(this, bounded), evidence: [], rejected: [] };
    const reading = this.reader.readDetailed(bounded, {});
    return { reader: 'prose', pairs: reading.evidence.map((e) => e.pair).sort(), ...reading };
  }

  /**
   * Canonicalizes a tool call: its name (e.g. `delete_namespace`), every string in its JSON
   * arguments (shell commands, SQL, prose — each on its own), argument keys, and the structure
   * `{verb|action|method: …, kind|type|resource: …, url: …}` combined with the name.
   */
  toolCall(name: string, args: unknown): string[] {
    return toolCallPairs(this, name, args);
  }

  private analyze(text: string, opts: ProseOptions): string[] {
    const bounded = blankComments(text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text);
    if (looksLikeStore(bounded)) return storePairs(bounded);
    if (looksLikeCommand(this, bounded)) return commandPairs(this, bounded);
    return this.reader.read(bounded, opts);
  }
}

let shared: Canonicalizer | undefined;

/** The canonicalizer with the built-in lexicon only. */
export function defaultCanonicalizer(): Canonicalizer {
  shared ??= new Canonicalizer();
  return shared;
}
