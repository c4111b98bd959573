// Prose rules of the intent canonicalizer: reading a text sentence by sentence (clauses, conditions,
// questions, hypotheticals, "do it") into the actions it requests and their objects. Whether one
// action word is live is decided in prose-live.ts, its objects are found in prose-objects.ts.

import * as L from './lexicon.js';
import {
  classify,
  type Item,
  lex,
  type PhraseTable,
  phraseKey,
  phraseTable,
  type Tok,
  type Vocabulary,
} from './lexing.js';
import { stripDiacritics } from './normalize.js';
import {
  type Clitic,
  type Ctx,
  infinitiveClause,
  initialVerbs,
  isLive,
  modifiesAWord,
  negated,
  proclitic,
  reject,
  requestOpeners,
  separableVerbs,
  span,
} from './prose-live.js';
import { objectsFor } from './prose-objects.js';
import {
  ABOUT,
  AMBIGUOUS,
  CEASE_GERUND,
  CJK_WORD,
  CONDITIONAL,
  CONTENT_TOOL,
  CONTENT_VERB,
  CORE_CONDITIONAL,
  DIRECTIVE,
  DO_IT,
  ENCLITIC,
  ENCLITIC_LANGUAGES,
  ENCLITIC_LENGTHS,
  hasPhrase,
  INFINITIVE_MARKER,
  INTERROGATIVE,
  languagesOf,
  NEGATE,
  NOT_OBJECT,
  OBJECT_PRONOUN,
  PASSIVE_AUX,
  PERMANENT,
  PERMANENT_BY_FIRST,
  PERMANENT_WORDS,
  POST_NEGATE,
  PREPOSITION,
  PRESENTATIVE,
  presupposed,
  REFLEXIVE_ENCLITIC,
  REQUEST_CLOSER,
  RESTRICT,
  readingLanguages,
  SENSE,
  SEPARABLE_VERB,
  STOP,
  senseOf,
  WEAK,
} from './prose-words.js';

export { STOP } from './prose-words.js';

/** Languages whose infinitives end in -r or -re ("eliminar", "supprimer", "détruire"). */
const ROMANCE = ['es', 'fr', 'pt'];

/** Sentence-wide cues a word may be: a sense word, a separable verb, a request closer, "permanently". */
const CUE_SENSE = 1;
const CUE_SEPARABLE = 2;
const CUE_CLOSER = 4;
const CUE_PERMANENT = 8;
const SENTENCE_CUES = new Map<string, number>();
for (const [words, cue] of [
  [SENSE, CUE_SENSE],
  [SEPARABLE_VERB, CUE_SEPARABLE],
  [REQUEST_CLOSER, CUE_CLOSER],
  [PERMANENT_WORDS, CUE_PERMANENT],
] as const)
  for (const w of words) SENTENCE_CUES.set(w, (SENTENCE_CUES.get(w) ?? 0) | cue);
// A permanent phrase read as one item ("de vez", an adverbial) is a cue as a whole too.
for (const k of PERMANENT) SENTENCE_CUES.set(k, (SENTENCE_CUES.get(k) ?? 0) | CUE_PERMANENT);

/**
 * Whether the word at offset `at` opens a Markdown heading: only "#" marks and spaces between it and
 * the start of its line (a few characters back at most).
 */
function heading(text: string, at: number | undefined): boolean {
  if (at === undefined || at === 0) return false;
  let k = at - 1;
  while (k >= 0 && k >= at - 9 && text.charCodeAt(k) === 32) k--;
  if (k < 0 || text.charCodeAt(k) !== 35) return false;
  while (k >= 0 && text.charCodeAt(k) === 35) k--;
  return k < 0 || text.charCodeAt(k) === 10;
}

/** n times false (a loop: cheaper than Array.prototype.fill for a sentence's few items). */
function falses(n: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(false);
  return out;
}

/** An `action:object` pair; "stop" of a service-like object means disabling it. */
export function pair(action: string, object: string): string {
  return `${action === 'stop' && L.STOP_MEANS_DISABLE.includes(object) ? 'disable' : action}:${object}`;
}

/** Options of one prose analysis. */
export interface ProseOptions {
  /** Identifier parts are words (tool names, argument keys), not mentioned names. */
  identifiers?: boolean;
  /** Collect, for `explain`, the actions that produced nothing and why. */
  explain?: boolean;
}

/** Where a pair came from: offsets in the (NFKC-normalized) text, never the text itself. */
export interface Evidence {
  pair: string;
  /** [start, end) of the action word or phrase. */
  action: [number, number];
  /** [start, end) of the object word or phrase, when one was named. */
  object?: [number, number];
  /** Which rule found the object: forward, passive, verb-final, pronoun, implied, do-it. */
  rule: string;
}

/** An action word that produced no pair, and why (for `semamesh explain`). */
export interface Rejection {
  action: string;
  span: [number, number];
  reason: string;
}

/** The full result of reading prose: pairs with their evidence, and (when asked) the rejections. */
export interface Reading {
  evidence: Evidence[];
  rejected: Rejection[];
}

/**
 * Reads prose against one vocabulary: word and phrase lookups, and the rules that find the
 * `action:object` pairs a sentence requests. Reuse one instance (building the table is the costly part).
 */
export class ProseReader {
  private readonly table: PhraseTable;

  constructor(extra: Vocabulary = {}) {
    this.table = phraseTable(extra);
  }

  /** The object a single word or short phrase denotes, if any (`pvc` → volume). */
  objectOf(words: string): string | undefined {
    return this.table.object.get(phraseKey(words));
  }

  /** Whether a tool name says its arguments are content to search, translate or summarize. */
  isContentTool(name: string): boolean {
    return lex(name).some((t) => CONTENT_TOOL.has(t.s));
  }

  /** The action a single word or short phrase denotes, if any. */
  actionOf(words: string): string | undefined {
    return this.table.action.get(phraseKey(words));
  }

  /**
   * The pairs of prose, read sentence by sentence: an action pairs with the noun phrase after it
   * (or before it, for a passive request such as "the database should be dropped"), never across a
   * sentence; negated actions, informational questions, reports of the past and mentioned names
   * produce nothing.
   */
  read(text: string, opts: ProseOptions): string[] {
    return [...this.reading(text, opts).keys()].sort();
  }

  /** Pairs with the spans they came from, and (with opts.explain) why other actions produced none. */
  readDetailed(text: string, opts: ProseOptions): Reading {
    const rejected: Rejection[] = [];
    const found = this.reading(text, { ...opts, explain: true }, rejected);
    return { evidence: [...found.values()].sort((a, b) => a.action[0] - b.action[0]), rejected };
  }

  /**
   * The tokens and items of a text as the last reading saw them (coreference.ts reads a message's
   * mentions right after its pairs: the lexing is not done twice).
   */
  lexed(text: string): { toks: Tok[]; items: Item[] } {
    if (this.last?.text === text) return this.last;
    const toks = lex(text);
    return { toks, items: classify(this.table, toks) };
  }

  private last: { text: string; toks: Tok[]; items: Item[] } | undefined;
  /** Whether the text being read is in a language that writes pronouns onto verbs. */
  private enclitic = false;
  /** Whether the text being read is English only (CJK aside): Romance infinitives end in -r. */
  private english = true;
  /** The languages of the text being read (languagesOf). */
  private languages = '';

  private reading(text: string, opts: ProseOptions, rejected?: Rejection[]): Map<string, Evidence> {
    // The last text's tokens are garbage from here on (this reading replaces them): not kept alive,
    // and copied by the collector, while this one is lexed.
    this.last = undefined;
    const toks = lex(text);
    const languages = languagesOf(toks);
    this.enclitic = ENCLITIC_LANGUAGES.some((l) => languages.includes(l));
    this.english = !ROMANCE.some((l) => languages.includes(l));
    this.languages = languages;
    return readingLanguages(languages, () => this.readItems(text, toks, opts, rejected));
  }

  private readItems(
    text: string,
    toks: Tok[],
    opts: ProseOptions,
    rejected?: Rejection[],
  ): Map<string, Evidence> {
    const items = classify(this.table, toks);
    // A false friend takes the sense of the text's language ("apaga" switches off in Spanish).
    for (const it of items) {
      if (it.kind === 'action') it.canon = senseOf(it.key)?.action ?? it.canon;
      // "Pode apagar": a function word is not the object its stem spells ("pode" → pod).
      else if (it.kind === 'object' && NOT_OBJECT.has(it.w)) it.kind = 'word';
    }
    if (!this.english) this.participles(items);
    if (L.INITIAL_VERBS.size > 0) initialVerbs(items, this.languages);
    const clitics = this.enclitics(toks, items);
    this.last = { text, toks, items };
    const ctx: Ctx = { toks, items, opts, found: new Map(), rejected, clitics, romance: !this.english };
    let start = 0;
    // The pairs a question or condition described ("what happens if I drop database prod?"),
    // carried out when the next sentence says "do it".
    let described: Evidence[] = [];
    let material = false;
    let presented = false;
    for (let i = 0; i <= items.length; i++) {
      if (i < items.length && items[i].kind !== 'end') continue;
      const before = ctx.found.size;
      // "Deleting a namespace: what happens to its PVCs?": a topic introducing a question is asked about.
      // "Review this migration: it drops …", "Revisa esta migración: elimina la tabla": what a
      // review or explanation opens with a colon is the material, not a request.
      // "## Deleting a namespace safely": a Markdown heading is a title, not a request, unless it
      // opens with an imperative ("# Delete the staging namespace").
      // "Here is the cron entry: … kubectl delete pods …. What does it do?": presented material
      // that the next sentence asks about is described, not requested.
      const hypothetical =
        this.introducesQuestion(items, i) ||
        material ||
        (presented &&
          (this.askedAboutNext(items, i) || this.opensMaterial(items, i + 1, this.sentenceEnd(items, i)))) ||
        (i > start && heading(text, toks[items[start].pos]?.at) && !this.imperative(items, start, i))
          ? this.hypothetical(ctx, start, i)
          : this.sentence(ctx, start, i);
      material = items[i]?.w === ':' && ctx.found.size === before && this.opensMaterial(items, start, i);
      // A short label after it keeps presenting ("Here is the Makefile target: clean: …").
      presented = items[i]?.w === ':' && ((presented && i - start <= 3) || this.presents(items, start, i));
      if (ctx.found.size === before && described.length > 0 && this.saysDoIt(items, start, i)) {
        for (const e of described) if (!ctx.found.has(e.pair)) ctx.found.set(e.pair, { ...e, rule: 'do-it' });
      }
      if (hypothetical.length > 0) described = hypothetical;
      else if (i > start) described = [];
      start = i + 1;
    }
    return ctx.found;
  }

  /**
   * "bórralos", "elimíname": a word that is a verb with a pronoun written onto it becomes the verb.
   * Returns those items and their pronoun: an object named before ("bórralos" = delete them;
   * "supprime-les" too), or reflexive ("borrarse": its object is the subject before it).
   */
  private enclitics(toks: Tok[], items: Item[]): Map<number, Clitic> | undefined {
    let out: Map<number, Clitic> | undefined;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      // "supprime-les", listed as a phrase: its last word is the pronoun.
      if (it.kind === 'action' && it.key.includes(' ')) {
        const last = it.pos + it.key.split(' ').length - 1;
        const next = items[i + 1];
        if (OBJECT_PRONOUN.has(toks[last]?.w ?? '') && (next === undefined || next.kind !== 'object')) {
          out ??= new Map();
          out.set(i, 'object');
        }
        continue;
      }
      if (it.kind === 'action' && !this.english && proclitic(items, i)) {
        out ??= new Map();
        out.set(i, 'object');
        continue;
      }
      if (!this.enclitic || it.kind !== 'word' || it.ident || it.w.length < 5) continue;
      // The longest listed pronoun the word ends with, leaving a base of three letters or more.
      let n = 0;
      for (const len of ENCLITIC_LENGTHS)
        if (it.w.length - len >= 3 && ENCLITIC.has(it.w.slice(-len))) {
          n = len;
          break;
        }
      if (n === 0) continue;
      const base = it.w.slice(0, -n);
      let key = phraseKey(base);
      let canon = this.table.action.get(key);
      if (canon === undefined) {
        key = phraseKey(stripDiacritics(base));
        canon = this.table.action.get(key);
      }
      if (canon === undefined) continue;
      items[i] = { ...it, kind: 'action', canon, key };
      out ??= new Map();
      const pronoun = it.w.slice(-n);
      out.set(
        i,
        OBJECT_PRONOUN.has(pronoun) ? 'object' : REFLEXIVE_ENCLITIC.has(pronoun) ? 'reflexive' : 'other',
      );
    }
    return out;
  }

  /**
   * "precisa ser derrubado", "debe ser vaciada", "doivent être détruits": a Romance participle after a
   * passive auxiliary is the action of its infinitive, listed or not.
   */
  private participles(items: Item[]): void {
    for (let i = 1; i < items.length; i++) {
      const it = items[i];
      if (it.kind !== 'word' || !PASSIVE_AUX.has(items[i - 1].s)) continue;
      const m = /^(.{3,}?)(ad[oa]s?|id[oa]s?|ée?s?)$/.exec(it.w);
      if (m === null) continue;
      const infinitives = m[2].startsWith('a') ? ['ar'] : m[2].startsWith('i') ? ['er', 'ir'] : ['er'];
      for (const ending of infinitives) {
        const key = phraseKey(m[1] + ending);
        const canon = this.table.action.get(key);
        if (canon === undefined) continue;
        items[i] = { ...it, kind: 'action', canon, key };
        break;
      }
    }
  }

  /** Whether the end mark at `end` is a colon and the sentence after it an informational question. */
  private introducesQuestion(items: Item[], end: number): boolean {
    if (items[end]?.w !== ':') return false;
    let k = end + 1;
    while (k < items.length && items[k].kind !== 'end') k++;
    if (items[k]?.s !== '?') return false;
    return requestOpeners(items, end + 1, k).size === 0;
  }

  /**
   * Whether items[from, to) opens with an imperative: an action first, neither a gerund
   * ("Deleting …") nor, in a Romance text, an infinitive ("Supprimer …", "Eliminar …").
   */
  private imperative(items: Item[], from: number, to: number): boolean {
    let k = from;
    while (k < to && STOP.has(items[k].s) && items[k].kind === 'word') k++;
    const it = items[k];
    if (it === undefined || it.kind !== 'action' || it.w.endsWith('ing')) return false;
    return this.english || !/re?$/.test(it.w);
  }

  /** Whether items[from, to) opens with a presentative ("Here is …", "Voici …", "以下是 …"). */
  private presents(items: Item[], from: number, to: number): boolean {
    let key = '';
    for (let k = from; k < Math.min(to, from + 3); k++) {
      key = key === '' ? items[k].key : `${key} ${items[k].key}`;
      if (PRESENTATIVE.has(key)) return true;
    }
    return false;
  }

  /** Whether the sentence after the end mark at `end` is an informational question. */
  private askedAboutNext(items: Item[], end: number): boolean {
    let k = end + 1;
    while (k < items.length && items[k].kind !== 'end') k++;
    return k > end + 1 && items[k]?.s === '?' && requestOpeners(items, end + 1, k).size === 0;
  }

  /** The end mark (or the end of the text) of the sentence after the end mark at `end`. */
  private sentenceEnd(items: Item[], end: number): number {
    let k = end + 1;
    while (k < items.length && items[k].kind !== 'end') k++;
    return k;
  }

  /** Whether items[from, to) opens with a verb of reviewing or explaining ("Review this diff", "Explica esto"). */
  private opensMaterial(items: Item[], from: number, to: number): boolean {
    let content = 0;
    for (let i = from; i < to && content < 2; i++) {
      const it = items[i];
      if (it.kind === 'comma' || STOP.has(it.s)) continue;
      if (it.kind !== 'object' && (ABOUT.has(it.key) || CONTENT_VERB.has(it.key))) return true;
      content++;
    }
    return false;
  }

  /** Whether items[from, to) is a "do it" sentence ("Do it now.", "Go ahead.", "Hazlo."). */
  private saysDoIt(items: Item[], from: number, to: number): boolean {
    if (to - from > 8) return false;
    // "Don't do it yet": a negated "do it" carries out nothing.
    for (let i = from; i < to; i++)
      if (NEGATE.has(items[i].key) || POST_NEGATE.has(items[i].key)) return false;
    const words = ` ${items
      .slice(from, to)
      .filter((it) => it.kind !== 'comma')
      .map((it) => it.key)
      .join(' ')} `;
    return DO_IT.some((k) => words.includes(` ${k} `));
  }

  /**
   * Pairs of the sentence items[from, to) (to is its end marker or the end of the text), added to
   * ctx.found. Returns what an informational question or a condition described, for a later "do it".
   */
  private sentence(ctx: Ctx, from: number, to: number): Evidence[] {
    const { items } = ctx;
    // The sentence-wide cues, in one lookup per item (sentence words change kind below, never key).
    let cues = 0;
    for (let i = from; i < to; i++) cues |= SENTENCE_CUES.get(items[i].key) ?? 0;
    // Objects in their programming or statistics sense are plain words in this sentence.
    if (cues & CUE_SENSE) {
      for (let j = from; j < to; j++)
        if (items[j].kind === 'object' && AMBIGUOUS.has(items[j].key)) items[j].kind = 'word';
    }
    if (cues & CUE_SEPARABLE) separableVerbs(items, from, to);
    const opener = requestOpeners(items, from, to);
    const question = to < items.length && items[to].s === '?';
    let firstContent: Item | undefined;
    for (let i = from; i < to && firstContent === undefined; i++)
      if (!STOP.has(items[i].s) && items[i].kind !== 'comma')
        // "Je veux qu'on vide le bucket": after a wish, "qu'" is "that", not "what".
        firstContent = i > from && DIRECTIVE.has(items[i - 1].key) ? items[i - 1] : items[i];
    const closer = (cues & CUE_CLOSER) !== 0;
    // "When the backup finishes, delete the volume": an interrogative that opens a condition asks nothing.
    const informational =
      opener.size === 0 &&
      !closer &&
      (question ||
        (firstContent !== undefined &&
          INTERROGATIVE.has(firstContent.s) &&
          !CONDITIONAL.has(firstContent.s)));
    if (informational) {
      if (ctx.rejected)
        for (let i = from; i < to; i++) if (items[i].kind === 'action') reject(ctx, i, 'question');
      return this.hypothetical(ctx, from, to);
    }
    const permanent = (cues & CUE_PERMANENT) !== 0 && hasPhrase(PERMANENT_BY_FIRST, items, from, to);
    // "To remove a namespace, open a change request": a purpose clause describes, it does not ask.
    let purposeEnd = from;
    if (items[from]?.s === 'to' && items[from + 1]?.kind === 'action') {
      purposeEnd = from + 1;
      while (purposeEnd < to && items[purposeEnd].kind !== 'comma') purposeEnd++;
    }
    const live = falses(to - from);
    let conditional = false;
    let anyConditional = false;
    // Where the last verb-final condition's walk back stopped: the actions before it are no longer
    // live, so the next walk ends there (one walk over a clause, however many conditions it has).
    let conditionFloor = from;
    for (let i = Math.max(from, purposeEnd); i < to; i++) {
      const it = items[i];
      // "If the user asks you to delete a namespace, refuse": a condition describes, until its comma.
      const clauseStart = i === from || items[i - 1].kind === 'comma';
      // One lookup for a word whose key is its stem (most words).
      const conditionalWord = CONDITIONAL.has(it.s);
      // "I'd appreciate it if you could drop …": an "if" inside a request opener is no condition;
      // "Es wäre super, wenn du … löschen könntest": a condition after a polite opener asks.
      const polite = i - 2 >= from && items[i - 1].kind === 'comma' && opener.has(i - 2);
      if (
        conditionalWord &&
        !it.name &&
        !opener.has(i) &&
        (clauseStart || CORE_CONDITIONAL.has(it.s)) &&
        !polite
      )
        conditional = anyConditional = true;
      else if (
        (it.key === it.s ? conditionalWord : CONDITIONAL.has(it.key)) &&
        CJK_WORD.test(it.key) &&
        !clauseStart
      ) {
        // "名前空間を削除すると、…": a verb-final language closes its condition after the verb.
        for (let k = i - 1; k >= conditionFloor && items[k].kind !== 'comma'; k--)
          if (items[k].kind === 'action' && live[k - from]) {
            live[k - from] = false;
            reject(ctx, k, 'condition');
            anyConditional = true;
          }
        conditionFloor = i;
      } else if ((it.kind === 'comma' && !infinitiveClause(items, i, to)) || it.s === 'then')
        conditional = false;
      // "Once you've dropped the table, rerun the migration": the clause presupposes the drop.
      else if (it.kind === 'action' && (!conditional || presupposed(items, from, i)))
        live[i - from] = isLive(ctx, from, to, i, opener);
      else if (it.kind === 'action') reject(ctx, i, 'condition');
    }
    if (ctx.rejected && purposeEnd > from) reject(ctx, from + 1, 'purpose clause');
    this.collect(ctx, from, to, live, permanent, ctx.found);
    return anyConditional ? this.hypothetical(ctx, from, to) : [];
  }

  /** The pairs of every live action of the sentence, with their evidence, into `into`. */
  private collect(
    ctx: Ctx,
    from: number,
    to: number,
    live: boolean[],
    permanent: boolean,
    into: Map<string, Evidence>,
  ): void {
    const { items, opts } = ctx;
    for (let i = from; i < to; i++) {
      if (!live[i - from]) continue;
      const it = items[i];
      // "stop deleting pods": stop negates the action it governs.
      // "arrête de supprimer", "pare de apagar": also with the preposition that introduces the verb.
      // "quit dropping tables": English "quit" (read as Spanish "quitar") before a gerund too.
      const governed = PREPOSITION.has(items[i + 1]?.s ?? '') || INFINITIVE_MARKER.has(items[i + 1]?.s ?? '');
      const stopped = governed ? i + 2 : i + 1;
      const ceases =
        it.canon === 'stop' || (CEASE_GERUND.has(it.w) && items[stopped]?.w.endsWith('ing') === true);
      if (ceases && items[stopped]?.kind === 'action') {
        if (stopped < to) live[stopped - from] = false;
        continue;
      }
      // "take down the namespace permanently": taking down for good is deleting.
      const action = permanent && it.canon === 'stop' ? 'delete' : it.canon;
      const sense = senseOf(it.key);
      const allowed = sense ? sense.only : RESTRICT.get(it.key);
      const { objects, rule } = objectsFor(
        items,
        from,
        to,
        i,
        live,
        opts.identifiers === true,
        ctx.clitics?.get(i),
      );
      if (objects.length === 0 && ctx.rejected) reject(ctx, i, 'no object in the vocabulary');
      for (const o of objects) {
        // "CSV 文件里的重复行": the file only says whose rows; the head is not an object.
        if (typeof o === 'number' && modifiesAWord(items, o, to)) continue;
        const object = typeof o === 'number' ? items[o].canon : o;
        if (allowed !== undefined && !allowed.has(object)) {
          if (ctx.rejected) reject(ctx, i, `"${it.key}" does not apply to ${object}`);
          continue;
        }
        const p = pair(action, object);
        if (!into.has(p))
          into.set(p, {
            pair: p,
            action: span(ctx, i),
            object: typeof o === 'number' ? span(ctx, o) : undefined,
            rule,
          });
      }
    }
  }

  /**
   * What a question or condition describes, read as if it were a request (negation still applies):
   * "what happens if I drop database prod?" describes delete:database.
   */
  private hypothetical(ctx: Ctx, from: number, to: number): Evidence[] {
    const quiet: Ctx = { ...ctx, rejected: undefined };
    const live = falses(to - from);
    for (let i = from; i < to; i++)
      if (ctx.items[i].kind === 'action')
        live[i - from] = !negated(ctx.items, from, i, new Set()) && !ctx.items[i].quoted;
    const out = new Map<string, Evidence>();
    this.collect(quiet, from, to, live, false, out);
    return [...out.values()];
  }

  /**
   * The actions and objects named by a short identifier or word group (`terminate-instances`,
   * `k8s_delete_resource`): objects after the first action (all of them when there is none),
   * most specific last.
   */
  meaning(text: string): { actions: string[]; objects: string[]; head?: string } {
    const items = classify(this.table, lex(text.replace(/[-./:]/g, ' ')));
    const hasAction = items.some((x) => x.kind === 'action');
    const actions: string[] = [];
    const objects: string[] = [];
    let head: string | undefined;
    let weakHead: string | undefined;
    for (const it of items) {
      if (it.kind === 'action') actions.push(it.canon);
      else if (it.kind === 'object' && (actions.length > 0 || !hasAction)) {
        objects.push(it.canon);
        if (WEAK.has(it.key)) weakHead = it.canon;
        else head = it.canon;
      }
    }
    return { actions, objects, head: head ?? weakHead };
  }
}
