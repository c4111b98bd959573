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

/** How many content words (stop words excluded) may separate an action from its object. */
const WINDOW = 3;
/** How many tokens before an action a negation still applies to it. */
const NEGATION_REACH = 6;
/** How many items back a pronoun ("delete it") looks for the object it stands for. */
const PRONOUN_REACH = 60;
/** How many items any look-back or look-ahead scans at most (keeps the whole pass linear). */
const LOOK = 16;

const stems = (words: readonly string[]) => new Set(words.map((w) => phraseKey(w)));
export const STOP = stems(L.STOPWORDS);
const NEGATE = stems(L.NEGATIONS);
const CANCEL = stems(L.NEGATION_CANCELLERS);
const NEG_END = stems(L.NEGATION_ENDERS);
const PREPOSITION = stems(L.PREPOSITIONS);
const INTERROGATIVE = stems(L.INTERROGATIVES);
const REQUEST = [...stems(L.REQUEST_OPENERS)].map((k) => k.split(' '));
const INVOKER = stems(L.INVOKERS);
const MODAL = stems(L.MODALS);
const DETERMINER = stems(L.DETERMINERS);
const QUANTIFIER = stems(L.QUANTIFIERS);
const PARTICLE = stems(L.PARTICLES);
const COORDINATOR = stems(L.COORDINATORS);
const PRONOUN = new Set(L.PRONOUNS);
const SUBORDINATOR = stems(L.SUBORDINATORS);
const CONTENT_TOOL = stems(L.CONTENT_TOOLS);
const CONTENT_VERB = stems(L.CONTENT_VERBS);
const PLACEHOLDER = stems(L.PLACEHOLDERS);
const CONTAINER_PREPOSITION = stems(['in', 'from', 'on', 'inside', 'within', 'of']);
const ADJECTIVE_LEAD = new Set([...QUANTIFIER, ...stems(['every', 'these', 'those'])]);
const VERB_FINAL = stems(L.VERB_FINAL);
const POST_NEGATE = stems(L.POST_NEGATIONS);
const STATE_CHANGE = stems(L.STATE_CHANGE);
const DIRECTIVE = stems(L.DIRECTIVES);
const ABOUT = stems(L.ABOUT);
const REQUEST_CLOSER = stems(L.REQUEST_CLOSERS);
const DO_IT = [...stems(L.DO_IT)];
const PERMANENT = stems(L.PERMANENT);
const PERMANENT_WORDS = new Set([...PERMANENT].flatMap((k) => k.split(' ')));
/** Surface forms (plurals listed): stems would confuse "named" with "name". */
const HEAD_NOUN = new Set(L.HEAD_NOUNS.map((w) => w.toLowerCase()));
const REPORT = stems(L.REPORT_MARKERS);
const TRAILING = stems(L.TRAILING);
const BACKWARD_MARKER = stems(L.BACKWARD_MARKERS);
const SEPARABLE = new Map(
  Object.entries(L.SEPARABLE).map(([k, v]) => {
    const [verb, particle] = k.split(' ');
    return [`${phraseKey(verb)} ${phraseKey(particle)}`, v];
  }),
);
/** First words of separable verbs: the clause scan runs only when one occurs. */
const SEPARABLE_VERB = new Set([...SEPARABLE.keys()].map((k) => k.split(' ')[0]));
const CJK_WORD = /[\u3040-\u30ff\u3400-\u9fff]/;
const RESTRICT = new Map(Object.entries(L.ACTION_RESTRICTIONS).map(([k, v]) => [phraseKey(k), new Set(v)]));
const SENSE = stems(L.SENSE_CONTEXT);
const AMBIGUOUS = stems(L.AMBIGUOUS_OBJECTS);
const WEAK = stems(L.WEAK_OBJECTS);
const IMPLIED = new Map(Object.entries(L.IMPLIED_OBJECTS).map(([k, v]) => [phraseKey(k), v]));
/** Surface forms listed in the lexicon: "shred" ends in -ed but is not a past tense. */
const LEXICON_SURFACE = new Set(
  Object.values(L.ACTIONS)
    .flat()
    .flatMap((p) => p.toLowerCase().split(' ')),
);

const CONDITIONAL = stems(['if', 'whenever', 'unless']);
const WISH = stems(['want', 'need', 'like', 'have', 'get', 'prefer', 'wish']);

/** Whether an action word is a past form ("dropped"); "shred" ends in -ed but is listed as is. */
function isPast(it: Item): boolean {
  return it.w.endsWith('ed') && !LEXICON_SURFACE.has(it.w);
}

/** The state of one read: tokens, classified items, options and what was found. */
interface Ctx {
  toks: Tok[];
  items: Item[];
  opts: ProseOptions;
  found: Map<string, Evidence>;
  rejected?: Rejection[];
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

  private reading(text: string, opts: ProseOptions, rejected?: Rejection[]): Map<string, Evidence> {
    const toks = lex(text);
    const items = classify(this.table, toks);
    const ctx: Ctx = { toks, items, opts, found: new Map(), rejected };
    let start = 0;
    // The pairs a question or condition described ("what happens if I drop database prod?"),
    // carried out when the next sentence says "do it".
    let described: Evidence[] = [];
    for (let i = 0; i <= items.length; i++) {
      if (i < items.length && items[i].kind !== 'end') continue;
      const before = ctx.found.size;
      const hypothetical = this.sentence(ctx, start, i);
      if (ctx.found.size === before && described.length > 0 && this.saysDoIt(items, start, i)) {
        for (const e of described) if (!ctx.found.has(e.pair)) ctx.found.set(e.pair, { ...e, rule: 'do-it' });
      }
      if (hypothetical.length > 0) described = hypothetical;
      else if (i > start) described = [];
      start = i + 1;
    }
    return ctx.found;
  }

  /** Whether items[from, to) is a "do it" sentence ("Do it now.", "Go ahead.", "Hazlo."). */
  private saysDoIt(items: Item[], from: number, to: number): boolean {
    if (to - from > 8) return false;
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
    if (items.slice(from, to).some((it) => SENSE.has(it.key))) {
      for (let j = from; j < to; j++)
        if (items[j].kind === 'object' && AMBIGUOUS.has(items[j].key)) items[j].kind = 'word';
    }
    let separable = false;
    for (let i = from; i < to && !separable; i++) separable = SEPARABLE_VERB.has(items[i].key);
    if (separable) this.separableVerbs(items, from, to);
    const opener = this.requestOpeners(items, from, to);
    const question = to < items.length && items[to].s === '?';
    const firstContent = items.slice(from, to).find((it) => !STOP.has(it.s) && it.kind !== 'comma');
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
      if (CONDITIONAL.has(it.s)) conditional = anyConditional = true;
      else if (it.kind === 'comma' || it.s === 'then') conditional = false;
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
      const allowed = RESTRICT.get(it.key);
      const { objects, rule } = this.objectsFor(items, from, to, i, live, opts.identifiers === true);
      if (objects.length === 0 && ctx.rejected) this.reject(ctx, i, 'no object in the vocabulary');
      for (const o of objects) {
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
      for (const words of REQUEST) {
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
    if (prev !== undefined && prev.kind !== 'action' && DETERMINER.has(prev.s) && !it.ident) {
      // "the deletion of the namespace"
      if (items[i + 1]?.s === 'of' && !opener.has(i - 1)) return !this.aboutIt(items, from, i);
      return this.reject(ctx, i, 'a noun or adjective after a determiner');
    }
    if (it.quoted) {
      // A quotation handed to a content verb is material: "translate 'delete the database'".
      for (let j = Math.max(from, i - LOOK); j < i; j++)
        if (!items[j].quoted && CONTENT_VERB.has(items[j].s)) return this.reject(ctx, i, 'quoted material');
    }
    const w = it.w;
    // "all running jobs", "every failing pod": a participle used as an adjective.
    if (w.endsWith('ing') && prev !== undefined && ADJECTIVE_LEAD.has(prev.s))
      return this.reject(ctx, i, 'a participle used as an adjective');
    // "was dropped", "I deleted": a report; "should be dropped", "I want the db dropped": a request.
    if (isPast(it) && prev?.s !== 'be' && !this.wantedDone(items, from, i))
      return this.reject(ctx, i, 'a report of the past');
    // "fue eliminada", "wurde gelöscht", "被删除了", "削除されました": a report in the clause.
    for (let j = Math.max(from, i - LOOK); j < Math.min(to, i + 4); j++) {
      if (items[j].kind === 'comma' && j > i) break;
      if (j !== i && REPORT.has(items[j].key)) return this.reject(ctx, i, 'a report of the past');
    }
    // "削除しないでください", "Fahre den Knoten nicht herunter": a negation after the verb.
    for (let j = i + 1; j < Math.min(to, i + LOOK); j++) {
      if (items[j].kind === 'comma' || items[j].kind === 'action') break;
      if (POST_NEGATE.has(items[j].key)) return this.reject(ctx, i, 'negated');
    }
    // "the table no longer exists in the doc" describes; "ensure the db no longer exists" asks.
    if (STATE_CHANGE.has(it.key) && prev?.s !== 'be') {
      let directed = false;
      for (let j = Math.max(from, i - LOOK); j < i && !directed; j++)
        directed = DIRECTIVE.has(items[j].key) || opener.has(j);
      if (!directed) return this.reject(ctx, i, 'a state described, not requested');
    }
    // "our policy forbids anyone to drop …", "a test asserting that … is rejected": about the operation.
    if (this.aboutIt(items, from, i))
      return this.reject(ctx, i, 'about the operation (forbid, test, alert, review …)');
    for (let j = i + 1; j < Math.min(to, i + 2 * LOOK); j++) {
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
      !it.ident;
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
   * Whether a word of the same clause before the action makes the sentence about the operation
   * ("forbids", "deny", "protect", "test", "alert", "review"), unless that word modifies an object
   * ("the test namespace", "audit logs").
   */
  private aboutIt(items: Item[], from: number, i: number): boolean {
    const modifies = (j: number) => {
      let k = j + 1;
      while (k < items.length && STOP.has(items[k].s) && items[k].kind === 'word') k++;
      return items[k]?.kind === 'object';
    };
    for (let j = i - 1; j >= Math.max(from, i - LOOK); j--) {
      const p = items[j];
      if (p.kind === 'comma' || COORDINATOR.has(p.s)) break;
      if (ABOUT.has(p.key) && !modifies(j)) return true;
    }
    // Verb-final languages put the verb that governs the clause after it: "…削除…を説明して".
    for (let j = i + 1; j < Math.min(items.length, i + LOOK); j++) {
      const p = items[j];
      if (p.kind === 'end' || p.kind === 'comma') break;
      if (ABOUT.has(p.key) && CJK_WORD.test(p.key) && !modifies(j)) return true;
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

  private negated(items: Item[], from: number, at: number, opener: Set<number>): boolean {
    const pos = items[at].pos;
    let cancelled = false;
    let count = 0;
    let j = at - 1;
    for (; j >= from; j--) {
      const it = items[j];
      if (it.kind === 'comma' || pos - it.pos > NEGATION_REACH || NEG_END.has(it.s)) break;
      if (CANCEL.has(it.s)) cancelled = true;
      if (NEGATE.has(it.key) && !opener.has(j)) {
        if (cancelled) return false;
        count++;
        // "don't not drop": two adjacent negations cancel; a lone one negates.
        if (j - 1 >= from && NEGATE.has(items[j - 1].key) && !opener.has(j - 1)) {
          count++;
          j--;
        }
        break;
      }
    }
    return count % 2 === 1;
  }

  /**
   * The objects of the live action at i (item indices, or a canonical name for an implied or path
   * object), by the first rule that finds any, and the rule's name.
   */
  private objectsFor(
    items: Item[],
    from: number,
    to: number,
    i: number,
    live: boolean[],
    identifiers: boolean,
  ): { objects: Array<number | string>; rule: string } {
    const it = items[i];
    const prev = i > from ? items[i - 1] : undefined;
    const nominal = prev !== undefined && DETERMINER.has(prev.s);
    const start = nominal ? i + 2 : i + 1; // skip "of" after "the deletion"
    const forward = this.forward(
      items,
      from,
      to,
      start,
      live,
      !nominal && start === i + 1,
      it.ident || identifiers,
    );
    if (forward.length > 0) return { objects: forward, rule: 'object after the action' };
    if (prev?.s === 'be') return { objects: this.backward(items, from, i - 1, true), rule: 'passive' };
    if (prev?.kind === 'object' && isPast(it))
      return { objects: this.backward(items, from, i, false), rule: 'object before a participle' };
    let j = start;
    const limit = Math.min(to, start + LOOK);
    while (j < limit && (STOP.has(items[j].s) || PARTICLE.has(items[j].s)) && !PRONOUN.has(items[j].w)) j++;
    if (j < to && PRONOUN.has(items[j].w)) {
      for (let k = i - 1; k >= Math.max(0, i - PRONOUN_REACH); k--)
        if (items[k].kind === 'object') return { objects: [k], rule: 'pronoun' };
    }
    if (VERB_FINAL.has(it.key)) {
      // "den Namespace löschen", "データベースを削除してください", "the db to be gone": the object
      // comes first; auxiliaries and particles may follow the verb.
      let k = i + 1;
      while (
        k < to &&
        (TRAILING.has(items[k].key) || REQUEST_CLOSER.has(items[k].key) || STOP.has(items[k].s)) &&
        items[k].kind !== 'object'
      )
        k++;
      // "… no longer exists after the test": a prepositional phrase may close the clause.
      if (k < to && PREPOSITION.has(items[k].s)) while (k < to && items[k].kind !== 'comma') k++;
      if (k >= to || items[k].kind === 'comma')
        return { objects: this.backward(items, from, i, false, true), rule: 'verb-final' };
    }
    // "把生产数据库删了": after 把 the object precedes the verb.
    for (let k = i - 1; k >= Math.max(from, i - LOOK); k--)
      if (BACKWARD_MARKER.has(items[k].key))
        return { objects: this.backward(items, from, i, false), rule: 'object marked before the verb' };
    const implied = IMPLIED.get(it.key);
    return { objects: implied ? [implied] : [], rule: 'implied by the action' };
  }

  /**
   * The noun phrase after an action: up to WINDOW content words before the first object, then the
   * run of adjacent objects (its head, or its first word in terse "drop table users" style), then
   * further runs joined by "and", "or" or commas. A preposition or another live action ends it.
   */
  private forward(
    items: Item[],
    from: number,
    to: number,
    start: number,
    live: boolean[],
    terseOk: boolean,
    identOk: boolean,
  ): Array<number | string> {
    const found: Array<number | string> = [];
    const isObject = (it: Item | undefined) => it?.kind === 'object' && (identOk || !it.ident);
    let content = 0;
    let j = start;
    let terse = terseOk;
    let placeholder = false;
    const limit = Math.min(to, start + 4 * LOOK);
    while (j < limit) {
      const it = items[j];
      if (it.path !== undefined && content === 0) {
        // "delete /var/lib/data", "wipe /dev/sdb": the path is the object.
        if (it.path !== '' && j === start) found.push(it.path);
        break;
      }
      if (isObject(it)) {
        let end = j;
        while (end + 1 < limit && isObject(items[end + 1]) && !items[end + 1].name) end++;
        // "the node process", "the namespace prefix", "the EC2 spot request": the object word only
        // modifies the real head, which is not an object.
        if (this.modifiesHead(items, end, limit)) {
          terse = false;
          content++;
          j = end + 1;
          continue;
        }
        found.push(this.head(items, j, end, terse));
        // Continue into a coordinated object ("the pods, deployments and services"), or to the
        // real head of a compound ("the redis cache pods"), never to a name ("bucket company-logs").
        let k = end + 1;
        let joined = false;
        let words = 0;
        let crossed = !(j === end && PLACEHOLDER.has(it.key)); // "everything in the namespace"
        while (k < limit && !isObject(items[k])) {
          const x = items[k];
          if (x.kind === 'comma' || COORDINATOR.has(x.s)) joined = true;
          else if (!crossed && CONTAINER_PREPOSITION.has(x.s)) crossed = true;
          else if (x.kind === 'end' || x.kind === 'action' || PREPOSITION.has(x.s) || SUBORDINATOR.has(x.s))
            break;
          else if (x.s === 'that' || PRONOUN.has(x.w) || NEGATE.has(x.s)) break;
          else if (!STOP.has(x.s) && (joined || ++words > WINDOW)) break;
          k++;
        }
        if (k >= limit || !isObject(items[k])) break;
        if (!joined) {
          if (items[k].name) break;
          let end2 = k;
          while (end2 + 1 < limit && isObject(items[end2 + 1]) && !items[end2 + 1].name) end2++;
          found[found.length - 1] = this.head(items, k, end2, false);
          break;
        }
        j = k;
        terse = false;
        continue;
      }
      if (it.kind === 'comma' || it.kind === 'end') break;
      if (it.kind === 'action' && live[j - from]) break;
      if (PRONOUN.has(it.w) || NEGATE.has(it.s) || SUBORDINATOR.has(it.s)) break;
      terse = false;
      if (COORDINATOR.has(it.s)) {
        content = 0;
      } else if (placeholder && CONTAINER_PREPOSITION.has(it.s)) {
        placeholder = false; // "whatever is left in the scratch volume"
        content = 0;
      } else if (PREPOSITION.has(it.s)) {
        if (!(it.s === 'of' && j > start && QUANTIFIER.has(items[j - 1].s))) break;
      } else if (PLACEHOLDER.has(it.s)) {
        placeholder = true;
        content++;
      } else if (!STOP.has(it.s) && !PARTICLE.has(it.s) && ++content > WINDOW) break;
      j++;
    }
    return found;
  }

  /** Whether the object run ending at `end` is followed by a head noun (at most one word between). */
  private modifiesHead(items: Item[], end: number, limit: number): boolean {
    const next = items[end + 1];
    if (end + 1 >= limit || next === undefined || next.kind !== 'word') return false;
    if (HEAD_NOUN.has(this.surface(items, end + 1))) return true;
    const after = items[end + 2];
    return (
      end + 2 < limit &&
      !STOP.has(next.s) &&
      !PREPOSITION.has(next.s) &&
      after?.kind === 'word' &&
      HEAD_NOUN.has(this.surface(items, end + 2))
    );
  }

  /** The surface words of item k (a phrase item spans several tokens). */
  private surface(items: Item[], k: number): string {
    return items[k].w;
  }

  /** The head of the object run items[a..b] (its index). */
  private head(items: Item[], a: number, b: number, terse: boolean): number {
    if (terse) return a;
    for (let k = b; k >= a; k--) if (!WEAK.has(items[k].key)) return k;
    return b;
  }

  /** The noun phrase before position `at` (passive "the db should be dropped", verb-final German). */
  private backward(
    items: Item[],
    from: number,
    at: number,
    passive: boolean,
    skipModals = passive,
  ): number[] {
    const floor = Math.max(from, at - LOOK);
    let j = at - 1;
    while (skipModals && j >= floor && (MODAL.has(items[j].s) || STOP.has(items[j].s))) j--;
    let run = this.runBefore(items, floor, j, false);
    if (run === undefined) {
      // "All snapshots older than 30 days should be purged": the subject opens the clause.
      if (!passive) return [];
      for (let k = from; k < at && items[k].kind !== 'action' && items[k].kind !== 'comma'; k++)
        if (items[k].kind === 'object') {
          let b = k;
          while (b + 1 < at && items[b + 1].kind === 'object') b++;
          return [this.head(items, k, b, false)];
        }
      return [];
    }
    // "the unused buckets in the sandbox account": the head comes before the preposition.
    const earlier = this.runBefore(items, floor, run[0] - 1, true);
    if (earlier !== undefined) run = earlier;
    return [this.head(items, run[0], run[1], false)];
  }

  /** The object run ending at or before j, within WINDOW content words; past one preposition if asked. */
  private runBefore(
    items: Item[],
    floor: number,
    j: number,
    pastPreposition: boolean,
  ): [number, number] | undefined {
    let content = 0;
    let crossed = !pastPreposition;
    while (j >= floor && !(items[j].kind === 'object' && crossed)) {
      const it = items[j];
      if (it.kind === 'comma' || it.kind === 'action' || it.kind === 'end') return undefined;
      // "ファイルの余分な空白を削除して": the nearest noun is a head noun, not our object.
      if (content === 0 && crossed && HEAD_NOUN.has(it.w)) return undefined;
      if (PREPOSITION.has(it.s)) {
        if (crossed) return undefined;
        crossed = true;
      } else if (it.kind !== 'object' && !STOP.has(it.s) && ++content > WINDOW) return undefined;
      j--;
    }
    if (j < floor) return undefined;
    let a = j;
    while (a - 1 >= floor && items[a - 1].kind === 'object') a--;
    return [a, j];
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
