// Prose rules of the intent canonicalizer: which actions a sentence requests, and of which objects.

import * as L from './lexicon.js';
import {
  classify,
  type Item,
  lex,
  type PhraseTable,
  phraseKey,
  phraseTable,
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

/** An `action:object` pair; "stop" of a service-like object means disabling it. */
export function pair(action: string, object: string): string {
  return `${action === 'stop' && L.STOP_MEANS_DISABLE.includes(object) ? 'disable' : action}:${object}`;
}

/** Options of one prose analysis. */
export interface ProseOptions {
  /** Identifier parts are words (tool names, argument keys), not mentioned names. */
  identifiers?: boolean;
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
    const items = classify(this.table, lex(text));
    const found = new Set<string>();
    let start = 0;
    for (let i = 0; i <= items.length; i++) {
      if (i < items.length && items[i].kind !== 'end') continue;
      this.sentence(items, start, i, opts, found);
      start = i + 1;
    }
    return [...found].sort();
  }

  /** Pairs of the sentence items[from, to) (to is its end marker or the end of the text). */
  private sentence(items: Item[], from: number, to: number, opts: ProseOptions, found: Set<string>): void {
    // Objects in their programming or statistics sense are plain words in this sentence.
    if (items.slice(from, to).some((it) => SENSE.has(it.key))) {
      for (let j = from; j < to; j++)
        if (items[j].kind === 'object' && AMBIGUOUS.has(items[j].key)) items[j].kind = 'word';
    }
    const opener = this.requestOpeners(items, from, to);
    const question = to < items.length && items[to].s === '?';
    const firstContent = items.slice(from, to).find((it) => !STOP.has(it.s) && it.kind !== 'comma');
    const informational =
      opener.size === 0 && (question || (firstContent !== undefined && INTERROGATIVE.has(firstContent.s)));
    if (informational) return;
    // "To remove a namespace, open a change request": a purpose clause describes, it does not ask.
    let purposeEnd = from;
    if (items[from]?.s === 'to' && items[from + 1]?.kind === 'action') {
      purposeEnd = from + 1;
      while (purposeEnd < to && items[purposeEnd].kind !== 'comma') purposeEnd++;
    }
    const live = new Array<boolean>(to - from).fill(false);
    let conditional = false;
    for (let i = Math.max(from, purposeEnd); i < to; i++) {
      const it = items[i];
      // "If the user asks you to delete a namespace, refuse": a condition describes, until its comma.
      if (CONDITIONAL.has(it.s)) conditional = true;
      else if (it.kind === 'comma' || it.s === 'then') conditional = false;
      else if (it.kind === 'action' && !conditional)
        live[i - from] = this.isLive(items, from, i, opts, opener);
    }
    for (let i = from; i < to; i++) {
      if (!live[i - from]) continue;
      const it = items[i];
      // "stop deleting pods": stop negates the action it governs.
      if (it.canon === 'stop' && items[i + 1]?.kind === 'action') {
        if (i + 1 < to) live[i + 1 - from] = false;
        continue;
      }
      for (const o of this.objectsFor(items, from, to, i, live, opts.identifiers === true)) {
        found.add(pair(it.canon, o));
      }
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
  private isLive(items: Item[], from: number, i: number, opts: ProseOptions, opener: Set<number>): boolean {
    const it = items[i];
    const prev = i > from ? items[i - 1] : undefined;
    if (it.ident && !opts.identifiers) {
      // An identifier in prose is a name ("the function deleteUser"), unless it is being invoked.
      let invoked = false;
      for (let j = i - 1; j >= Math.max(from, i - 3); j--) if (INVOKER.has(items[j].s)) invoked = true;
      if (!invoked || (prev?.ident && prev.kind !== 'word')) return false;
    }
    if (prev !== undefined && prev.kind !== 'action' && DETERMINER.has(prev.s) && !it.ident) {
      return items[i + 1]?.s === 'of' && !opener.has(i - 1); // "the deletion of the namespace"
    }
    if (it.quoted) {
      // A quotation handed to a content verb is material: "translate 'delete the database'".
      for (let j = Math.max(from, i - LOOK); j < i; j++)
        if (!items[j].quoted && CONTENT_VERB.has(items[j].s)) return false;
    }
    const w = it.w;
    // "all running jobs", "every failing pod": a participle used as an adjective.
    if (w.endsWith('ing') && prev !== undefined && ADJECTIVE_LEAD.has(prev.s)) return false;
    // "was dropped", "I deleted": a report; "should be dropped", "I want the db dropped": a request.
    if (isPast(it) && prev?.s !== 'be' && !this.wantedDone(items, from, i)) return false;
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
        if (p.kind !== 'comma' && !STOP.has(p.s) && !opener.has(j)) return false;
      }
    }
    // An interrogative before the action in the same clause: "explain what kubectl delete does".
    for (let j = i - 1; j >= Math.max(from, i - LOOK); j--) {
      const p = items[j];
      if (p.kind === 'comma' || COORDINATOR.has(p.s)) break;
      if (INTERROGATIVE.has(p.s) && !opener.has(j)) return false;
    }
    return !this.negated(items, from, i, opener);
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
    for (let j = at - 1; j >= from; j--) {
      const it = items[j];
      if (it.kind === 'comma' || pos - it.pos > NEGATION_REACH || NEG_END.has(it.s)) return false;
      if (CANCEL.has(it.s)) cancelled = true;
      if (NEGATE.has(it.s) && !opener.has(j)) return !cancelled;
    }
    return false;
  }

  /** The objects of the live action at i, by the first rule that finds any. */
  private objectsFor(
    items: Item[],
    from: number,
    to: number,
    i: number,
    live: boolean[],
    identifiers: boolean,
  ) {
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
    if (forward.length > 0) return forward;
    if (prev?.s === 'be') return this.backward(items, from, i - 1, true);
    if (prev?.kind === 'object' && isPast(it)) return this.backward(items, from, i, false);
    let j = start;
    const limit = Math.min(to, start + LOOK);
    while (j < limit && (STOP.has(items[j].s) || PARTICLE.has(items[j].s)) && !PRONOUN.has(items[j].w)) j++;
    if (j < to && PRONOUN.has(items[j].w)) {
      for (let k = i - 1; k >= Math.max(0, i - PRONOUN_REACH); k--)
        if (items[k].kind === 'object') return [items[k].canon];
    }
    if (VERB_FINAL.has(it.key) && (i + 1 >= to || items[i + 1].kind === 'comma'))
      return this.backward(items, from, i, false);
    const implied = IMPLIED.get(it.key);
    return implied ? [implied] : [];
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
  ): string[] {
    const found: string[] = [];
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

  /** The head of the object run items[a..b]. */
  private head(items: Item[], a: number, b: number, terse: boolean): string {
    if (terse) return items[a].canon;
    for (let k = b; k >= a; k--) if (!WEAK.has(items[k].key)) return items[k].canon;
    return items[b].canon;
  }

  /** The noun phrase before position `at` (passive "the db should be dropped", verb-final German). */
  private backward(items: Item[], from: number, at: number, passive: boolean): string[] {
    const floor = Math.max(from, at - LOOK);
    let j = at - 1;
    while (passive && j >= floor && (MODAL.has(items[j].s) || STOP.has(items[j].s))) j--;
    let run = this.runBefore(items, floor, j, false);
    if (run === undefined) return [];
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
