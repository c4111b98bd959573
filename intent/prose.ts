// Prose rules of the intent canonicalizer: which actions a sentence requests, and of which objects.

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
import { objectsFor } from './prose-objects.js';
import {
  ABOUT,
  ADJECTIVE_LEAD,
  AMBIGUOUS,
  BACKWARD_MARKER,
  CANCEL,
  CJK_WORD,
  CONDITIONAL,
  CONTENT_TOOL,
  CONTENT_VERB,
  COORDINATOR,
  CORE_CONDITIONAL,
  DETERMINER,
  DIRECTIVE,
  DO_IT,
  ENCLITIC,
  ENCLITIC_LANGUAGES,
  ENCLITIC_LENGTHS,
  INFINITIVE_MARKER,
  INTERROGATIVE,
  INVOKER,
  isPast,
  LEXICON_SURFACE,
  LINKER,
  LOOK,
  languagesOf,
  MODAL,
  NEG_END,
  NEG_PARTICLE,
  NEGATE,
  NEGATION_REACH,
  OBJECT_PRONOUN,
  PASSIVE_AUX,
  PAST_PARTICIPLE,
  PERFECTIVE,
  PERMANENT,
  PERMANENT_WORDS,
  POST_NEGATE,
  PREPOSITION,
  REPORT,
  REQUEST_BY_FIRST,
  REQUEST_CLOSER,
  RESTRICT,
  readingLanguages,
  SENSE,
  SEPARABLE,
  SEPARABLE_VERB,
  STATE_CHANGE,
  STOP,
  SUBJECT_PRONOUN,
  SUBORDINATOR,
  senseOf,
  WEAK,
  WISH,
} from './prose-words.js';

export { STOP } from './prose-words.js';

/** The state of one read: tokens, classified items, options and what was found. */
interface Ctx {
  toks: Tok[];
  items: Item[];
  opts: ProseOptions;
  found: Map<string, Evidence>;
  rejected?: Rejection[];
  /** Actions with a pronoun written onto them ("bórralos"): true where it is an object pronoun. */
  clitics?: Map<number, boolean>;
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

  private reading(text: string, opts: ProseOptions, rejected?: Rejection[]): Map<string, Evidence> {
    const toks = lex(text);
    const languages = languagesOf(toks.map((t) => t.s));
    this.enclitic = ENCLITIC_LANGUAGES.some((l) => languages.includes(l));
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
    for (const it of items) if (it.kind === 'action') it.canon = senseOf(it.key)?.action ?? it.canon;
    const clitics = this.enclitics(toks, items);
    this.last = { text, toks, items };
    const ctx: Ctx = { toks, items, opts, found: new Map(), rejected, clitics };
    let start = 0;
    // The pairs a question or condition described ("what happens if I drop database prod?"),
    // carried out when the next sentence says "do it".
    let described: Evidence[] = [];
    for (let i = 0; i <= items.length; i++) {
      if (i < items.length && items[i].kind !== 'end') continue;
      const before = ctx.found.size;
      // "Deleting a namespace: what happens to its PVCs?": a topic introducing a question is asked about.
      const hypothetical = this.introducesQuestion(items, i)
        ? this.hypothetical(ctx, start, i)
        : this.sentence(ctx, start, i);
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
   * Returns those items, true where the pronoun stands for an object named before ("bórralos" =
   * delete them; "supprime-les" too).
   */
  private enclitics(toks: Tok[], items: Item[]): Map<number, boolean> | undefined {
    let out: Map<number, boolean> | undefined;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      // "supprime-les", listed as a phrase: its last word is the pronoun.
      if (it.kind === 'action' && it.key.includes(' ')) {
        const last = it.pos + it.key.split(' ').length - 1;
        const next = items[i + 1];
        if (OBJECT_PRONOUN.has(toks[last]?.w ?? '') && (next === undefined || next.kind !== 'object')) {
          out ??= new Map();
          out.set(i, true);
        }
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
      out.set(i, OBJECT_PRONOUN.has(it.w.slice(-n)));
    }
    return out;
  }

  /** Whether the end mark at `end` is a colon and the sentence after it an informational question. */
  private introducesQuestion(items: Item[], end: number): boolean {
    if (items[end]?.w !== ':') return false;
    let k = end + 1;
    while (k < items.length && items[k].kind !== 'end') k++;
    if (items[k]?.s !== '?') return false;
    return this.requestOpeners(items, end + 1, k).size === 0;
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

  private span(ctx: Ctx, a: number, b = a): [number, number] {
    const first = ctx.toks[ctx.items[a].pos];
    const lastItem = ctx.items[b];
    const lastWords = lastItem.key.split(' ').length;
    const last = ctx.toks[lastItem.pos + lastWords - 1] ?? ctx.toks[lastItem.pos];
    return [first?.at ?? 0, (last?.at ?? 0) + (last?.w.length ?? 0)];
  }

  private reject(ctx: Ctx, i: number, reason: string): false {
    ctx.rejected?.push({ action: ctx.items[i].canon, span: this.span(ctx, i), reason });
    return false;
  }

  /**
   * Pairs of the sentence items[from, to) (to is its end marker or the end of the text), added to
   * ctx.found. Returns what an informational question or a condition described, for a later "do it".
   */
  private sentence(ctx: Ctx, from: number, to: number): Evidence[] {
    const { items } = ctx;
    // Objects in their programming or statistics sense are plain words in this sentence.
    let sense = false;
    for (let i = from; i < to && !sense; i++) sense = SENSE.has(items[i].key);
    if (sense) {
      for (let j = from; j < to; j++)
        if (items[j].kind === 'object' && AMBIGUOUS.has(items[j].key)) items[j].kind = 'word';
    }
    let separable = false;
    for (let i = from; i < to && !separable; i++) separable = SEPARABLE_VERB.has(items[i].key);
    if (separable) this.separableVerbs(items, from, to);
    const opener = this.requestOpeners(items, from, to);
    const question = to < items.length && items[to].s === '?';
    let firstContent: Item | undefined;
    for (let i = from; i < to && firstContent === undefined; i++)
      if (!STOP.has(items[i].s) && items[i].kind !== 'comma') firstContent = items[i];
    let closer = false;
    for (let i = from; i < to && !closer; i++) closer = REQUEST_CLOSER.has(items[i].key);
    const informational =
      opener.size === 0 &&
      !closer &&
      (question || (firstContent !== undefined && INTERROGATIVE.has(firstContent.s)));
    if (informational) {
      if (ctx.rejected)
        for (let i = from; i < to; i++) if (items[i].kind === 'action') this.reject(ctx, i, 'question');
      return this.hypothetical(ctx, from, to);
    }
    let permanent = false;
    let mayBePermanent = false;
    for (let i = from; i < to && !mayBePermanent; i++) mayBePermanent = PERMANENT_WORDS.has(items[i].key);
    if (mayBePermanent) {
      const words = ` ${items
        .slice(from, to)
        .map((it) => it.key)
        .join(' ')} `;
      for (const k of PERMANENT) if (words.includes(` ${k} `)) permanent = true;
    }
    // "To remove a namespace, open a change request": a purpose clause describes, it does not ask.
    let purposeEnd = from;
    if (items[from]?.s === 'to' && items[from + 1]?.kind === 'action') {
      purposeEnd = from + 1;
      while (purposeEnd < to && items[purposeEnd].kind !== 'comma') purposeEnd++;
    }
    const live = new Array<boolean>(to - from).fill(false);
    let conditional = false;
    let anyConditional = false;
    for (let i = Math.max(from, purposeEnd); i < to; i++) {
      const it = items[i];
      // "If the user asks you to delete a namespace, refuse": a condition describes, until its comma.
      const clauseStart = i === from || items[i - 1].kind === 'comma';
      if (CONDITIONAL.has(it.s) && !it.name && (clauseStart || CORE_CONDITIONAL.has(it.s)))
        conditional = anyConditional = true;
      else if (CONDITIONAL.has(it.key) && CJK_WORD.test(it.key) && !clauseStart) {
        // "名前空間を削除すると、…": a verb-final language closes its condition after the verb.
        for (let k = i - 1; k >= from && items[k].kind !== 'comma'; k--)
          if (items[k].kind === 'action' && live[k - from]) {
            live[k - from] = false;
            this.reject(ctx, k, 'condition');
            anyConditional = true;
          }
      } else if ((it.kind === 'comma' && !this.infinitiveClause(items, i, to)) || it.s === 'then')
        conditional = false;
      else if (it.kind === 'action' && !conditional) live[i - from] = this.isLive(ctx, from, to, i, opener);
      else if (it.kind === 'action') this.reject(ctx, i, 'condition');
    }
    if (ctx.rejected && purposeEnd > from) this.reject(ctx, from + 1, 'purpose clause');
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
      if (it.canon === 'stop' && items[i + 1]?.kind === 'action') {
        if (i + 1 < to) live[i + 1 - from] = false;
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
        ctx.clitics?.get(i) === true,
      );
      if (objects.length === 0 && ctx.rejected) this.reject(ctx, i, 'no object in the vocabulary');
      for (const o of objects) {
        // "CSV 文件里的重复行": the file only says whose rows; the head is not an object.
        if (typeof o === 'number' && this.modifiesAWord(items, o, to)) continue;
        const object = typeof o === 'number' ? items[o].canon : o;
        if (allowed !== undefined && !allowed.has(object)) {
          if (ctx.rejected) this.reject(ctx, i, `"${it.key}" does not apply to ${object}`);
          continue;
        }
        const p = pair(action, object);
        if (!into.has(p))
          into.set(p, {
            pair: p,
            action: this.span(ctx, i),
            object: typeof o === 'number' ? this.span(ctx, o) : undefined,
            rule,
          });
      }
    }
  }

  /** Whether the report marker at j is a passive auxiliary after a modal ("应该今天被删除"): a request. */
  private modalPassive(items: Item[], from: number, j: number): boolean {
    if (!PASSIVE_AUX.has(items[j].key)) return false;
    for (let k = j - 1; k >= Math.max(from, j - LOOK); k--) {
      if (items[k].kind === 'comma') return false;
      if (MODAL.has(items[k].key)) return true;
    }
    return false;
  }

  /** Whether the clause after the comma at `comma` is an infinitive clause ("…, die Backups zu löschen,"). */
  private infinitiveClause(items: Item[], comma: number, to: number): boolean {
    for (let k = comma + 1; k < Math.min(to, comma + LOOK); k++) {
      if (items[k].kind === 'comma') return false;
      if (items[k].kind === 'action') return k > comma + 1 && INFINITIVE_MARKER.has(items[k - 1].s);
    }
    return false;
  }

  /** Whether the object at `o` is followed by a linker (的, の) and a plain word, its real head. */
  private modifiesAWord(items: Item[], o: number, to: number): boolean {
    if (o + 2 >= to || !LINKER.has(items[o + 1].key)) return false;
    const head = items[o + 2];
    return head.kind === 'word' && !STOP.has(head.s) && CJK_WORD.test(head.key);
  }

  /**
   * What a question or condition describes, read as if it were a request (negation still applies):
   * "what happens if I drop database prod?" describes delete:database.
   */
  private hypothetical(ctx: Ctx, from: number, to: number): Evidence[] {
    const quiet: Ctx = { ...ctx, rejected: undefined };
    const live = new Array<boolean>(to - from).fill(false);
    for (let i = from; i < to; i++)
      if (ctx.items[i].kind === 'action')
        live[i - from] = !this.negated(ctx.items, from, i, new Set()) && !ctx.items[i].quoted;
    const out = new Map<string, Evidence>();
    this.collect(quiet, from, to, live, false, out);
    return [...out.values()];
  }

  /**
   * "Fahre den Server herunter": a verb whose particle closes the clause is the action of the
   * separable verb they form (German), the particle a plain word.
   */
  private separableVerbs(items: Item[], from: number, to: number): void {
    let start = from;
    for (let i = from; i <= to; i++) {
      if (i < to && items[i].kind !== 'comma') continue;
      let last = i - 1;
      while (last > start && STOP.has(items[last].s)) last--;
      for (let k = start; k < last; k++) {
        const canon = SEPARABLE.get(`${items[k].key} ${items[last].key}`);
        if (canon === undefined) continue;
        items[k] = { ...items[k], kind: 'action', canon };
        items[last] = { ...items[last], kind: 'word', canon: '' };
        break;
      }
      start = i + 1;
    }
  }

  /** Positions (item indices) of request openers: "can you …", "why don't you …", "how about …". */
  private requestOpeners(items: Item[], from: number, to: number): Set<number> {
    const at = new Set<number>();
    for (let i = from; i < to; i++) {
      // At the start of the sentence or of a clause, after at most a few words ("ok so can you …").
      if (i - from > 3 && items[i - 1].kind !== 'comma') continue;
      for (const words of REQUEST_BY_FIRST.get(items[i].s) ?? []) {
        if (i + words.length > to) continue;
        if (words.every((w, k) => items[i + k].s === w)) for (let k = 0; k < words.length; k++) at.add(i + k);
      }
    }
    return at;
  }

  /** Whether the action at i is requested (not negated, asked about, reported, or a mere noun). */
  private isLive(ctx: Ctx, from: number, to: number, i: number, opener: Set<number>): boolean {
    const { items, opts } = ctx;
    const it = items[i];
    const prev = i > from ? items[i - 1] : undefined;
    if (it.ident && !opts.identifiers) {
      // An identifier in prose is a name ("the function deleteUser"), unless it is being invoked.
      let invoked = false;
      for (let j = i - 1; j >= Math.max(from, i - 3); j--) if (INVOKER.has(items[j].s)) invoked = true;
      if (!invoked || (prev?.ident && prev.kind !== 'word'))
        return this.reject(ctx, i, 'identifier (a name)');
    }
    // "n'oublie pas de supprimer", "assure-toi de supprimer": "de" after a verb introduces an infinitive.
    const governed =
      i - 2 >= from &&
      (NEGATE.has(items[i - 2].key) || DIRECTIVE.has(items[i - 2].key) || CANCEL.has(items[i - 2].key));
    if (
      prev !== undefined &&
      prev.kind !== 'action' &&
      DETERMINER.has(prev.s) &&
      !it.ident &&
      !(governed && PREPOSITION.has(prev.s))
    ) {
      // "the deletion of the namespace"
      if (items[i + 1]?.s === 'of' && !opener.has(i - 1)) return !this.aboutIt(items, from, i);
      return this.reject(ctx, i, 'a noun or adjective after a determiner');
    }
    if (it.quoted && this.quotedMaterial(items, from, i)) return this.reject(ctx, i, 'quoted material');
    // "Review this migration: it drops the table", "elle supprime …", "它会删除 …": described
    // (a pronoun, or a pronoun and its auxiliary; not the object after 把 in "把它删除", nor a wish's
    // clause: "quiero que se elimine").
    const before = i - 2 >= from ? items[i - 2] : undefined;
    if (
      prev !== undefined &&
      ((SUBJECT_PRONOUN.has(prev.s) &&
        !(before && (BACKWARD_MARKER.has(before.key) || SUBORDINATOR.has(before.s)))) ||
        (before !== undefined && SUBJECT_PRONOUN.has(`${before.s} ${prev.s}`)))
    )
      return this.reject(ctx, i, 'described (a subject pronoun)');
    // "un cambio que borra namespaces", "une migration qui supprime …": a relative clause describes
    // the noun it follows ("a" excepted: a preposition in "dile a Juan que borre …").
    if (
      i - 3 >= from &&
      SUBORDINATOR.has(items[i - 1].s) &&
      items[i - 2].kind !== 'action' &&
      !STOP.has(items[i - 2].s) &&
      DETERMINER.has(items[i - 3].s) &&
      items[i - 3].s !== 'a'
    )
      return this.reject(ctx, i, 'described (a relative clause)');
    // "The README says to drop the demo database": an instruction reported, not given.
    if (
      prev !== undefined &&
      (prev.s === 'to' || INFINITIVE_MARKER.has(prev.s)) &&
      i - 2 >= from &&
      CONTENT_VERB.has(items[i - 2].s)
    )
      return this.reject(ctx, i, 'an instruction reported (says to …)');
    const w = it.w;
    // "all running jobs", "every failing pod": a participle used as an adjective.
    if (w.endsWith('ing') && prev !== undefined && ADJECTIVE_LEAD.has(prev.s))
      return this.reject(ctx, i, 'a participle used as an adjective');
    // "was dropped", "I deleted": a report; "should be dropped", "I want the db dropped": a request.
    const passive = prev !== undefined && PASSIVE_AUX.has(prev.s);
    if (isPast(it) && !passive && !this.wantedDone(items, from, i))
      return this.reject(ctx, i, 'a report of the past');
    // "der Cronjob hat alle Pods gelöscht": a participle reports, unless a modal asks ("muss … gelöscht werden").
    if (PAST_PARTICIPLE.has(it.key) && !passive) {
      let modal = false;
      for (let j = Math.max(from, i - LOOK); j < i && !modal; j++) modal = MODAL.has(items[j].s);
      if (!modal) return this.reject(ctx, i, 'a report of the past');
    }
    // "定时任务删除了所有 pod": done, unless asked with 把 ("把数据库删除了") or softened with 吧.
    if (PERFECTIVE.has(items[i + 1]?.key ?? '')) {
      let asked = false;
      for (let j = Math.max(from, i - LOOK); j < i && !asked; j++) asked = BACKWARD_MARKER.has(items[j].key);
      for (let j = i + 2; j < to && !asked; j++) asked = items[j].key === '吧';
      if (!asked) return this.reject(ctx, i, 'a report of the past');
    }
    // "fue eliminada", "wurde gelöscht", "被删除了", "削除されました": a report in the clause.
    for (let j = Math.max(from, i - LOOK); j < Math.min(to, i + 4); j++) {
      if (items[j].kind === 'comma' && j > i) break;
      if (j !== i && REPORT.has(items[j].key) && !this.modalPassive(items, from, j))
        return this.reject(ctx, i, 'a report of the past');
    }
    // "削除しないでください", "Fahre den Knoten nicht herunter": a negation after the verb.
    for (let j = i + 1; j < Math.min(to, i + LOOK); j++) {
      if (items[j].kind === 'comma' || items[j].kind === 'action') break;
      if (POST_NEGATE.has(items[j].key)) return this.reject(ctx, i, 'negated');
    }
    // "the table no longer exists in the doc" describes; "ensure the db no longer exists" asks.
    if (STATE_CHANGE.has(it.key) && !passive) {
      let directed = false;
      for (let j = Math.max(from, i - LOOK); j < i && !directed; j++)
        directed = DIRECTIVE.has(items[j].key) || opener.has(j);
      // Verb-final languages put the directive after the predicate ("消えてほしい", "…ようにして").
      for (let j = i + 1; j < Math.min(to, i + LOOK) && !directed && CJK_WORD.test(it.key); j++)
        directed = DIRECTIVE.has(items[j].key);
      if (!directed) return this.reject(ctx, i, 'a state described, not requested');
    }
    // "our policy forbids anyone to drop …", "a test asserting that … is rejected": about the operation.
    // "Unsere Richtlinie verbietet es, die Datenbank zu löschen": an infinitive clause belongs to
    // the clause before its comma.
    const infinitive = prev !== undefined && INFINITIVE_MARKER.has(prev.s);
    if (this.aboutIt(items, from, i, infinitive))
      return this.reject(ctx, i, 'about the operation (forbid, test, alert, review …)');
    let commas = infinitive ? 1 : 0;
    for (let j = i + 1; j < Math.min(to, i + 2 * LOOK); j++) {
      if (items[j].kind === 'comma' && commas-- > 0) continue;
      if (items[j].kind === 'comma' || COORDINATOR.has(items[j].s)) break;
      if (
        ABOUT.has(items[j].key) &&
        /(ed|é|ée|ado|ada|ido|ida|lehnt|weigert)$/.test(items[j].w) &&
        items[j].kind !== 'object'
      )
        return this.reject(ctx, i, 'about the operation (… is rejected)');
    }
    const third =
      w.endsWith('s') &&
      !w.endsWith('ss') &&
      !LEXICON_SURFACE.has(w) &&
      it.key.split(' ').length === 1 &&
      !it.ident &&
      !ctx.clitics?.has(i);
    if (third) {
      // "the job removes files", "packet drops": described, not requested.
      for (let j = Math.max(from, i - LOOK); j < i; j++) {
        const p = items[j];
        if (p.kind !== 'comma' && !STOP.has(p.s) && !opener.has(j))
          return this.reject(ctx, i, 'described (third person)');
      }
    }
    // An interrogative before the action in the same clause: "explain what kubectl delete does".
    for (let j = i - 1; j >= Math.max(from, i - LOOK); j--) {
      const p = items[j];
      if (p.kind === 'comma' || COORDINATOR.has(p.s)) break;
      if (INTERROGATIVE.has(p.s) && !opener.has(j)) return this.reject(ctx, i, 'asked about');
    }
    return this.negated(items, from, i, opener) ? this.reject(ctx, i, 'negated') : true;
  }

  /**
   * Whether the quotation holding the action at i is material to work on, not a request: a content
   * word ("translate", "says", "comment", "button", 按钮) before it in the clause (or right before a
   * colon opening it), or after it before the clause ends ("「クラスタを削除」ボタン").
   */
  private quotedMaterial(items: Item[], from: number, i: number): boolean {
    const content = (it: Item) => !it.quoted && (CONTENT_VERB.has(it.s) || CONTENT_VERB.has(it.key));
    let start = i;
    while (start > 0 && items[start - 1].quoted) start--;
    let end = i;
    while (end < items.length && items[end].quoted) end++;
    // "The ticket says: "…"": the colon ends a sentence for the reader, not the quotation's frame.
    const back = start === from && from > 0 ? Math.max(0, from - 1 - LOOK) : Math.max(from, start - LOOK);
    for (let j = back; j < start; j++) if (content(items[j])) return true;
    for (let j = end; j < Math.min(items.length, end + LOOK); j++) {
      const it = items[j];
      if (it.kind === 'comma' || it.s === '.' || it.s === '?' || COORDINATOR.has(it.s)) break;
      if (content(it)) return true;
    }
    return false;
  }

  /**
   * Whether a word of the same clause before the action makes the sentence about the operation
   * ("forbids", "deny", "protect", "test", "alert", "review"), unless that word modifies an object
   * ("the test namespace", "audit logs").
   */
  private aboutIt(items: Item[], from: number, i: number, acrossCommas = false): boolean {
    // "the test namespace", "audit logs", and after a preposition "el clúster de pruebas".
    const modifies = (j: number) => {
      let k = j + 1;
      while (k < items.length && STOP.has(items[k].s) && items[k].kind === 'word') k++;
      if (items[k]?.kind === 'object') return true;
      return j >= 2 && PREPOSITION.has(items[j - 1].s) && items[j - 2].kind === 'object';
    };
    for (let j = i - 1; j >= Math.max(from, i - LOOK); j--) {
      const p = items[j];
      if ((p.kind === 'comma' && !acrossCommas) || COORDINATOR.has(p.s)) break;
      if (ABOUT.has(p.key) && p.kind !== 'object' && !modifies(j)) return true;
    }
    // Verb-final languages put the verb that governs the clause after it: "…削除…を説明して".
    for (let j = i + 1; j < Math.min(items.length, i + LOOK); j++) {
      const p = items[j];
      if (p.kind === 'end' || p.kind === 'comma') break;
      if (ABOUT.has(p.key) && p.kind !== 'object' && CJK_WORD.test(p.key) && !modifies(j)) return true;
    }
    return false;
  }

  /** "I want the staging namespace deleted": a wish verb, an object, then the participle at i. */
  private wantedDone(items: Item[], from: number, i: number): boolean {
    if (i - 1 < from || items[i - 1].kind !== 'object') return false;
    for (let j = i - 2; j >= Math.max(from, i - 6); j--) {
      if (WISH.has(items[j].s)) return true;
      if (items[j].kind !== 'object' && !STOP.has(items[j].s)) return false;
    }
    return false;
  }

  /**
   * The comma opening a parenthetical that ends with the comma at `close` and follows a negation
   * ("not, under any circumstances,"), or undefined: no action inside, at most LOOK items long.
   */
  private parenthetical(items: Item[], from: number, close: number): number | undefined {
    for (let k = close - 1; k > from && close - k <= LOOK; k--) {
      if (items[k].kind === 'action' || items[k].kind === 'end') return undefined;
      if (items[k].kind === 'comma') return NEGATE.has(items[k - 1].key) ? k : undefined;
    }
    return undefined;
  }

  private negated(items: Item[], from: number, at: number, opener: Set<number>): boolean {
    const pos = items[at].pos;
    let cancelled = false;
    let count = 0;
    let j = at - 1;
    for (; j >= from; j--) {
      const it = items[j];
      // "Do not, under any circumstances, wipe the backups": a negation before a parenthetical.
      if (it.kind === 'comma' && j === at - 1) {
        const k = this.parenthetical(items, from, j);
        if (k !== undefined) {
          j = k;
          continue;
        }
      }
      if (it.kind === 'comma' || pos - it.pos > NEGATION_REACH || NEG_END.has(it.s)) break;
      if (CANCEL.has(it.s) || CANCEL.has(it.key)) cancelled = true;
      if (NEGATE.has(it.key) && !opener.has(j)) {
        // "n'oublie pas de supprimer": the canceller may come right before the negation.
        const k = j - 1;
        if (cancelled || (k >= from && (CANCEL.has(items[k].s) || CANCEL.has(items[k].key)))) return false;
        count++;
        // "don't not drop": two adjacent negations cancel; a lone one negates, and so does a pair
        // made with a particle ("personne ne puisse effacer").
        const paired = NEG_PARTICLE.has(it.s) || NEG_PARTICLE.has(items[j - 1]?.s ?? '');
        if (j - 1 >= from && NEGATE.has(items[j - 1].key) && !opener.has(j - 1) && !paired) {
          count++;
          j--;
        }
        break;
      }
    }
    return count % 2 === 1;
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
