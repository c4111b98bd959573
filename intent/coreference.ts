// Coreference across messages: what "it" in "Drop it now." stands for when the text itself names
// nothing before it. Each text is read once into a small discourse summary (the entities it leaves
// salient, and its sentences whose action has a pronoun for an object and no antecedent of its
// own); a conversation folds the summaries in order. Salience follows Lappin and Leass (1994):
// every mention weighs by recency and grammatical role, and weight halves at each sentence, so a
// nearer harmless noun ("the draft", "the agenda item") wins over an older database, while a
// database nothing nearer competes with stays the referent however many sentences ago it was named.
import type { Item, Tok } from './lexing.js';
import {
  COORDINATOR,
  DETERMINER,
  HEAD_NOUN,
  MODAL,
  PARTICLE,
  PREPOSITION,
  STOP,
  SUBORDINATOR,
  WEAK,
} from './prose-words.js';

/** One entity a text leaves salient: a vocabulary object, or a noun outside it (a harmless referent). */
export interface Entity {
  /** `object:<canonical>` or `noun:<stem>`. */
  key: string;
  /** The canonical object, for vocabulary objects only. */
  object?: string;
  plural: boolean;
  /** Salience at the end of the text (halved per sentence since each mention). */
  salience: number;
}

/** A sentence whose action takes a pronoun with no antecedent in its own text. */
export interface Reference {
  /** The sentence, with a demonstrative object ("drop that") rewritten as "it"/"them". */
  sentence: string;
  plural: boolean;
}

/** What one text contributes to a conversation's discourse; depends on the text alone (cacheable). */
export interface Discourse {
  entities: Entity[];
  references: Reference[];
  /** Sentences in the text (the clock salience decays by). */
  sentences: number;
  /** Weight of pronouns that continue the previous text's focus ("It has three replicas."). */
  continues: number;
}

/** Lappin–Leass salience factors (recency, head noun, and the grammatical role). */
const RECENCY = 100;
const HEAD = 80;
const SUBJECT = 80 + 50;
const EXISTENTIAL = 70;
const OBJECT = 50 + 50;
/** Entities a text's summary keeps, and a conversation's state keeps (most salient first). */
const KEEP = 8;
/** How many words of a noun phrase after a determiner are read for its head. */
const NP_WORDS = 3;
/**
 * Halvings are capped so an old entity keeps a tiny non-zero weight (a double reaches 0 past about
 * 1,070): with nothing nearer, it is still the referent, however long ago it was named.
 */
const MAX_HALVINGS = 1000;

const PERSONAL = new Set(['it', 'them']);
/** Measure words: "a lot", "a bit", "a few" are amounts, never what a pronoun stands for. */
const MEASURE = new Set([
  'lot',
  'lots',
  'bit',
  'few',
  'little',
  'couple',
  'while',
  'moment',
  'second',
  'minute',
  'ton',
  'tons',
]);
const DEMONSTRATIVE = new Set(['that', 'this', 'those', 'these']);
const PLURAL_PRONOUN = new Set(['them', 'those', 'these']);
/** Words that end a noun phrase as verbs do (the lexicon has no verb class beyond its actions). */
const VERBISH = new Set([
  ...MODAL,
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'do',
  'doe',
  'did',
  'had',
  'would',
  'could',
  'might',
]);
/** After a demonstrative, words that show it stands alone ("drop that now", "delete those too"). */
const ALONE_AFTER = new Set([
  'now',
  'too',
  'also',
  'please',
  'immediately',
  'permanently',
  'completely',
  'again',
  'asap',
  'right',
  'for',
  'as',
  'then',
  'today',
]);
/**
 * Places a removal "from" still destroys data in ("remove it from prod", "wipe it off the disk");
 * from any other non-object place ("drop it from the agenda", "remove it from the list") the
 * removal is of a mention, not of the thing.
 */
const DESTRUCTIVE_PLACE = new Set([
  'prod',
  'production',
  'staging',
  'dev',
  'live',
  'disk',
  'system',
  'machine',
  'host',
  'storage',
  'everywhere',
  'server',
]);

function isPlural(it: Item): boolean {
  return it.w.length > 3 && it.w.endsWith('s') && !it.w.endsWith('ss');
}

/**
 * The discourse summary of one text. `items` are its classified items, `toks` its tokens and
 * `normalized` the text they were lexed from (token offsets point into it).
 */
export function discourse(items: readonly Item[], toks: readonly Tok[], normalized: string): Discourse {
  const entities = new Map<string, Entity>();
  const references: Reference[] = [];
  let sentence = 0;
  let continues = 0;
  let sentenceStart = 0;
  let firstInSentence = true;
  let mentioned = false;
  // Mentions are collected with the sentence they occur in, decayed at the end.
  const raw: Array<{ key: string; object?: string; plural: boolean; weight: number; sentence: number }> = [];
  const pronounWeights: Array<{ weight: number; sentence: number }> = [];

  const roleWeight = (start: number): number => {
    const prev = items[start - 1];
    const prev2 = items[start - 2];
    if (prev && PREPOSITION.has(prev.s)) return 0;
    if (prev && DETERMINER.has(prev.s) && prev2 && PREPOSITION.has(prev2.s)) return 0;
    if (prev && (prev.s === 'is' || prev.s === 'are') && prev2?.s === 'there') return EXISTENTIAL;
    if (firstInSentence) {
      let content = 0;
      for (let k = sentenceStart; k < start; k++)
        if (items[k].kind === 'action' || VERBISH.has(items[k].s)) return OBJECT;
        else if (!STOP.has(items[k].s) && !DETERMINER.has(items[k].s)) content++;
      if (content <= 2) return SUBJECT;
    }
    return OBJECT;
  };
  const mention = (start: number, head: Item, object: string | undefined) => {
    const key = object !== undefined ? `object:${object}` : `noun:${head.s}`;
    raw.push({ key, object, plural: isPlural(head), weight: RECENCY + HEAD + roleWeight(start), sentence });
    firstInSentence = false;
    mentioned = true;
  };

  let i = 0;
  while (i < items.length) {
    const it = items[i];
    if (it.kind === 'end') {
      sentence++;
      sentenceStart = i + 1;
      firstInSentence = true;
      i++;
      continue;
    }
    if (it.kind === 'object' && !it.name) {
      // A run of objects ("production database") names one thing, its last strong word; a name
      // after it ("app-prod") is its name, not another thing.
      let end = i;
      while (end + 1 < items.length && items[end + 1].kind === 'object' && !items[end + 1].name) end++;
      let head = end;
      while (head > i && WEAK.has(items[head].key)) head--;
      let after = end + 1;
      while (after < items.length && items[after].name) after++;
      // "the database team": the object only modifies a head noun outside the vocabulary.
      const next = items[after];
      if (next?.kind === 'word' && HEAD_NOUN.has(next.w)) mention(i, next, undefined);
      else mention(i, items[head], items[head].canon);
      i = Math.max(after, end + 1);
      continue;
    }
    if ((DETERMINER.has(it.s) || DEMONSTRATIVE.has(it.w)) && !PERSONAL.has(it.w)) {
      // A noun phrase outside the vocabulary ("the meeting notes", "a draft"): its last word is
      // its head. An object inside it is read as an object on the next turn of the loop.
      let k = i + 1;
      let last = -1;
      while (k < items.length && k - i <= NP_WORDS) {
        const x = items[k];
        if (x.kind !== 'word' || x.name || STOP.has(x.s) || PREPOSITION.has(x.s) || VERBISH.has(x.s)) break;
        if (SUBORDINATOR.has(x.s) || COORDINATOR.has(x.s) || PERSONAL.has(x.w) || x.path !== undefined) break;
        last = k;
        k++;
      }
      // A word followed by another determiner was a verb ("that helps a lot"); a measure word is
      // no referent ("a lot", "a bit").
      const follower = items[last + 1];
      const nounPhrase =
        last >= 0 &&
        follower?.kind !== 'object' &&
        !(follower !== undefined && DETERMINER.has(follower.s)) &&
        !MEASURE.has(items[last].w);
      if (nounPhrase) {
        mention(i, items[last], undefined);
        i = last + 1;
        continue;
      }
      if (last < 0 && DEMONSTRATIVE.has(it.w) && standsAlone(items, i)) {
        pronoun(i);
        i++;
        continue;
      }
      i++;
      continue;
    }
    if (it.kind === 'word' && PERSONAL.has(it.w)) pronoun(i);
    i++;
  }

  function pronoun(at: number): void {
    if (mentioned) return; // the text names something before it: its own reading resolves it
    const plural = PLURAL_PRONOUN.has(items[at].w);
    if (isObjectOfAction(items, at)) {
      if (!removedFromRecord(items, at)) {
        const text = sentenceText(items, toks, normalized, at, plural);
        if (text !== undefined) references.push({ sentence: text, plural });
      }
    } else pronounWeights.push({ weight: RECENCY + HEAD + (firstInSentence ? SUBJECT : OBJECT), sentence });
    firstInSentence = false;
  }

  const total = sentence + 1;
  for (const m of raw) {
    const e = entities.get(m.key);
    const s = m.weight / 2 ** Math.min(MAX_HALVINGS, total - 1 - m.sentence);
    if (e) e.salience += s;
    else entities.set(m.key, { key: m.key, object: m.object, plural: m.plural, salience: s });
  }
  for (const p of pronounWeights) continues += p.weight / 2 ** Math.min(MAX_HALVINGS, total - 1 - p.sentence);
  return {
    entities: [...entities.values()].sort((a, b) => b.salience - a.salience).slice(0, KEEP),
    references,
    sentences: total,
    continues,
  };
}

/** Whether a demonstrative at `at` is a pronoun ("drop that", "delete those now"), not a determiner. */
function standsAlone(items: readonly Item[], at: number): boolean {
  const next = items[at + 1];
  return (
    next === undefined ||
    next.kind === 'end' ||
    next.kind === 'comma' ||
    ALONE_AFTER.has(next.w) ||
    COORDINATOR.has(next.s)
  );
}

/** Whether the pronoun at `at` is the object of an action: the action at most two words before it. */
function isObjectOfAction(items: readonly Item[], at: number): boolean {
  for (let k = at - 1; k >= Math.max(0, at - 3); k--) {
    const x = items[k];
    if (x.kind === 'action') return true;
    if (x.kind !== 'word' || !(STOP.has(x.s) || PARTICLE.has(x.s) || x.s === 'of')) return false;
  }
  return false;
}

/** "drop it from the agenda": the pronoun is removed from a place that is neither an object nor a system. */
function removedFromRecord(items: readonly Item[], at: number): boolean {
  let k = at + 1;
  while (k < items.length && PARTICLE.has(items[k].s) && items[k].s !== 'off') k++;
  const prep = items[k];
  if (
    prep === undefined ||
    !(prep.s === 'from' || prep.s === 'off' || (prep.s === 'out' && items[k + 1]?.s === 'of'))
  )
    return false;
  let place = false;
  for (let j = k + 1; j < Math.min(items.length, k + 5); j++) {
    const x = items[j];
    if (x.kind === 'end' || x.kind === 'comma') break;
    if (x.kind === 'object' || x.name || x.path !== undefined || DESTRUCTIVE_PLACE.has(x.w)) return false;
    if (!STOP.has(x.s) && !DETERMINER.has(x.s) && x.s !== 'of') place = true;
  }
  return place;
}

/** The sentence around item `at`, from the normalized text, with a demonstrative pronoun as "it"/"them". */
function sentenceText(
  items: readonly Item[],
  toks: readonly Tok[],
  normalized: string,
  at: number,
  plural: boolean,
): string | undefined {
  let a = at;
  while (a > 0 && items[a - 1].kind !== 'end') a--;
  let b = at;
  while (b < items.length && items[b].kind !== 'end') b++;
  const startTok = toks[items[a].pos];
  const pron = toks[items[at].pos];
  if (startTok?.at === undefined || pron?.at === undefined) return undefined;
  let endAt = normalized.length;
  for (let p = (items[b]?.pos ?? toks.length) + 1; p < toks.length; p++) {
    const t = toks[p];
    if (t.at !== undefined) {
      endAt = t.at;
      break;
    }
  }
  const start = startTok.at;
  const text = normalized.slice(start, endAt).trim();
  if (!DEMONSTRATIVE.has(items[at].w)) return text;
  const off = pron.at - start;
  return `${text.slice(0, off)}${plural ? 'them' : 'it'}${text.slice(off + pron.w.length)}`;
}

/** The salient entities of a conversation so far, folded message by message. */
export class Salience {
  private readonly state = new Map<string, Entity & { at: number }>();
  private clock = 0;

  /** An independent copy (entries are replaced, never changed in place, so they are shared). */
  copy(): Salience {
    const c = new Salience();
    for (const [k, e] of this.state) c.state.set(k, e);
    c.clock = this.clock;
    return c;
  }

  /** The entity a pronoun stands for now: the most salient one agreeing in number, else the most salient. */
  referent(plural: boolean): Entity | undefined {
    let best: (Entity & { at: number }) | undefined;
    let bestScore = -Infinity;
    let agreeing: (Entity & { at: number }) | undefined;
    let agreeingScore = -Infinity;
    for (const e of this.state.values()) {
      const score = Math.log2(e.salience) - (this.clock - e.at);
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
      if (e.plural === plural && score > agreeingScore) {
        agreeing = e;
        agreeingScore = score;
      }
    }
    return agreeing ?? best;
  }

  /** Adds one text's summary (after its references were resolved against the state before it). */
  add(d: Discourse): void {
    const focus = d.continues > 0 ? this.referent(false) : undefined;
    this.clock += d.sentences;
    if (focus) this.bump(focus, d.continues);
    for (const e of d.entities) this.bump(e, e.salience);
    if (this.state.size > KEEP * 2) {
      const score = (e: Entity & { at: number }) => Math.log2(e.salience) - (this.clock - e.at);
      const kept = [...this.state.values()].sort((a, b) => score(b) - score(a)).slice(0, KEEP);
      this.state.clear();
      for (const e of kept) this.state.set(e.key, e);
    }
  }

  /** Adds `weight`, as of the current clock, to an entity's decayed salience. */
  private bump(e: Entity, weight: number): void {
    const old = this.state.get(e.key);
    const kept = old ? old.salience / 2 ** Math.min(MAX_HALVINGS, this.clock - old.at) : 0;
    this.state.set(e.key, {
      key: e.key,
      object: e.object,
      plural: e.plural,
      salience: kept + weight,
      at: this.clock,
    });
  }
}
