// The word classes prose reading works with: the lexicon's lists as stemmed sets (negations,
// question cues, determiners, request openers, …) and the distances rules look across.
import * as L from './lexicon.js';
import type { Item } from './lexing.js';
import { stripDiacritics } from './normalize.js';
// Every list below is keyed once at start-up: the keys come from the build's store when it has one.
import { vocabularyKey as phraseKey } from './phrase-keys.js';

/** How many content words (stop words excluded) may separate an action from its object. */
export const WINDOW = 3;
/** How many tokens before an action a negation still applies to it. */
export const NEGATION_REACH = 6;
/** How many items back a pronoun ("delete it") looks for the object it stands for. */
export const PRONOUN_REACH = 60;
/** How many items any look-back or look-ahead scans at most (keeps the whole pass linear). */
export const LOOK = 16;

export const stems = (words: readonly string[]) => new Set(words.map((w) => phraseKey(w)));
/** Surface forms, lower-cased: for short function words whose stems would confuse them. */
const functionWordsOf = (words: readonly string[]) => new Set(words.map((w) => w.toLowerCase()));
/** Stems with and without accents: a text with accents is also read without them (canonicalize.ts). */
const bothStems = (words: readonly string[]) => stems([...words, ...words.map(stripDiacritics)]);

/**
 * One function-word class (stop words, prepositions, …) kept per language, never merged: while a
 * text is read (`readingLanguages`) a word belongs to the class only in English — whose technical
 * words every text borrows — and the languages the text is written in, so Portuguese "do" is no
 * preposition in "Do it now" and French "comment" no interrogative in "Comment out the line".
 * Outside a reading (SQL and command checks) every language counts.
 */
class FunctionWords {
  private readonly byLanguage = new Map<string, Set<string>>();
  private readonly bySelection = new Map<string, Set<string>>();
  private current: Set<string>;

  constructor(cls: L.FunctionWordClass) {
    for (const [lang, classes] of L.FUNCTION_WORDS) this.byLanguage.set(lang, stems(classes[cls]));
    this.current = new Set([...this.byLanguage.values()].flatMap((set) => [...set]));
    this.bySelection.set('*', this.current);
  }

  has(key: string): boolean {
    return this.current.has(key);
  }

  /** Uses the words of `languages` (a sorted, comma-joined key, or '*' for all). */
  select(key: string): void {
    let set = this.bySelection.get(key);
    if (!set) {
      set = new Set(key.split(',').flatMap((l) => [...(this.byLanguage.get(l) ?? [])]));
      this.bySelection.set(key, set);
    }
    this.current = set;
  }
}

const FUNCTION_CLASSES: FunctionWords[] = [];
const functionWords = (cls: L.FunctionWordClass) => {
  const f = new FunctionWords(cls);
  FUNCTION_CLASSES.push(f);
  return f;
};
/** Stems of English function and frequent words, counted as English. */
const ENGLISH = bothStems(L.LANGUAGE_CUES.get('en') ?? []);
/** The languages other than English that have cues, by index. */
const CUE_LANGUAGES = [...L.LANGUAGE_CUES.keys()].filter((l) => l !== 'en');
/** A stem counted as English (no other language's cue: Portuguese "dos" stems to "do"). */
const ENGLISH_CUE: readonly number[] = [];
/**
 * Cue stem → the other languages (indices into CUE_LANGUAGES) it points to, or ENGLISH_CUE: one
 * lookup a token.
 */
/** English cue stems that are also another language's function words ("a", "do", "no"). */
const SHARED = new Set(
  [...L.FUNCTION_WORDS].flatMap(([lang, classes]) =>
    lang === 'en' ? [] : [...stems(Object.values(classes).flat())].filter((k) => ENGLISH.has(k)),
  ),
);
const CUES = new Map<string, readonly number[]>();
// Words English shares with another language's function words ("a", "do", "no") count for neither.
for (const k of ENGLISH) if (!SHARED.has(k)) CUES.set(k, ENGLISH_CUE);
const borrowed = stems(L.BORROWED);
for (const [index, lang] of CUE_LANGUAGES.entries())
  for (const k of bothStems(L.LANGUAGE_CUES.get(lang) ?? []))
    if (!ENGLISH.has(k) && !borrowed.has(k)) CUES.set(k, [...(CUES.get(k) ?? []), index]);
/** Languages whose function words apply to every text. */
const ALWAYS = ['en', ...L.CJK_LANGUAGES];
/** The key of a text with no other language's cues (most texts): one string, hashed once. */
const ALWAYS_KEY = [...ALWAYS].sort().join(',');
/** The same for a text with kana: Japanese, not Chinese. */
const ALWAYS_JAPANESE = ALWAYS.filter((l) => l !== 'zh');
const ALWAYS_JAPANESE_KEY = [...ALWAYS_JAPANESE].sort().join(',');
let selection = '*';

/**
 * The languages of a text, from its tokens' stems (`s`): English and the CJK languages always, plus
 * each other language with the most cues (ties kept) when it has more than half as many cues as
 * English has words of its own — a French "comment" in an English sentence does not make it French.
 */
export function languagesOf(toks: readonly { s: string }[]): string {
  const counts = new Array<number>(CUE_LANGUAGES.length).fill(0);
  let english = 0;
  let best = 0;
  let kana = false;
  for (let i = 0; i < toks.length; i++) {
    const s = toks[i].s;
    if (!kana) {
      const c = s.charCodeAt(0);
      kana = c >= 0x3040 && c <= 0x30ff;
    }
    const cues = CUES.get(s);
    if (cues === undefined) continue;
    if (cues === ENGLISH_CUE) english++;
    else for (const l of cues) best = Math.max(best, ++counts[l]);
  }
  // Kana make a text Japanese: Chinese words (不要 "don't") no longer apply to it.
  if (best === 0) return kana ? ALWAYS_JAPANESE_KEY : ALWAYS_KEY;
  const chosen = best * 2 > english ? CUE_LANGUAGES.filter((_, l) => counts[l] === best) : [];
  return [...(kana ? ALWAYS_JAPANESE : ALWAYS), ...chosen].sort().join(',');
}

/** Whether the text being read is in a language whose imperative has no subject (Romance, German). */
export function subjectlessImperative(): boolean {
  return selection !== '*' && SUBJECTLESS.some((l) => selection.includes(l));
}
/** Whether the text being read is in a language that puts a noun's head first ("la table users"). */
export function headFirstReading(): boolean {
  return selection !== '*' && HEAD_FIRST_LANGUAGES.some((l) => selection.includes(l));
}
const HEAD_FIRST_LANGUAGES = L.LANGUAGES.filter((l) => l.headFirst).map((l) => l.language);
const SUBJECTLESS = L.LANGUAGES.filter((l) => l.subjectLeads.length > 0).map((l) => l.language);
export const SUBJECT_LEAD = functionWordsOf(L.SUBJECT_LEADS);
export const TIME_NOUN = bothStems(L.TIME_NOUNS);
export const OPTATIVE = functionWordsOf(L.OPTATIVES);

/** Whether a negation word negates in the text being read: a CJK language's own ones only in its texts. */
export function negates(key: string): boolean {
  if (!NEGATE.has(key)) return false;
  const only = CJK_ONLY_NEGATION.get(key);
  return only === undefined || selection === '*' || selection.split(',').includes(only);
}

/** Runs `read` with the function words of `languages` (from `languagesOf`), restoring the previous choice. */
export function readingLanguages<T>(languages: string, read: () => T): T {
  const previous = selection;
  const use = (key: string) => {
    selection = key;
    for (const f of FUNCTION_CLASSES) f.select(key);
  };
  use(languages);
  try {
    return read();
  } finally {
    use(previous);
  }
}

/**
 * Action words whose meaning differs between languages (Spanish "apaga" = switch off, Portuguese
 * "apaga" = erase): key → language → action, and the objects that language restricts it to.
 */
const SENSES = new Map<string, Map<string, { action: string; only?: Set<string> }>>();
for (const l of L.LANGUAGES)
  for (const [action, phrases] of Object.entries(l.actions))
    for (const p of phrases) {
      const key = phraseKey(p);
      const only = l.restrict[p.toLowerCase()];
      const byLang = SENSES.get(key) ?? new Map();
      if (!byLang.has(l.language)) byLang.set(l.language, { action, only: only && new Set(only) });
      SENSES.set(key, byLang);
    }
for (const [key, byLang] of SENSES)
  if (new Set([...byLang.values()].map((s) => s.action)).size < 2) SENSES.delete(key);

/**
 * The sense of an action word in the languages of the text being read, when its languages
 * disagree and exactly one sense is among them; undefined otherwise (the merged reading stands).
 */
export function senseOf(key: string): { action: string; only?: Set<string> } | undefined {
  const byLang = SENSES.get(key);
  if (!byLang || selection === '*') return undefined;
  const senses = selection.split(',').flatMap((l) => (byLang.has(l) ? [byLang.get(l)!] : []));
  return senses.length === 1 ? senses[0] : undefined;
}

export const STOP = functionWords('stopwords');
// Negations, about words and report markers also match without accents: the bare reading of an
// accented text (canonicalize.ts) must not lose them.
export const NEGATE = bothStems(L.NEGATIONS);
/**
 * English verbs of ceasing that the merged vocabulary reads as an action of another language
 * ("quit" is the stem of Spanish "quitar"): before a gerund they forbid it, like "stop". Matched on
 * the surface word, since "quite" shares the stem.
 */
export const CEASE_GERUND: ReadonlySet<string> = new Set(['quit', 'quits']);
const CJK_ONLY_NEGATION = new Map([...L.CJK_ONLY_NEGATIONS].map(([w, l]) => [phraseKey(w), l]));
export const CANCEL = bothStems(L.NEGATION_CANCELLERS);
export const VERB_FINAL_CLAUSE = stems(L.VERB_FINAL_CLAUSES);
export const INFINITIVE_MARKER = stems(L.INFINITIVE_MARKERS);
export const NEG_END = stems(L.NEGATION_ENDERS);
export const PREPOSITION = functionWords('prepositions');
export const INTERROGATIVE = functionWords('interrogatives');
export const REQUEST = [...stems(L.REQUEST_OPENERS)].map((k) => k.split(' '));
/** REQUEST by first word, in REQUEST's order: an opener is looked for only where its first word is. */
export const REQUEST_BY_FIRST = new Map<string, string[][]>();
for (const words of REQUEST) {
  const list = REQUEST_BY_FIRST.get(words[0]);
  if (list) list.push(words);
  else REQUEST_BY_FIRST.set(words[0], [words]);
}
export const INVOKER = stems(L.INVOKERS);
export const MODAL = stems(L.MODALS);
export const DETERMINER = functionWords('determiners');
export const QUANTIFIER = stems(L.QUANTIFIERS);
export const PARTICLE = stems(L.PARTICLES);
export const COORDINATOR = functionWords('coordinators');
export const PRONOUN = new Set(L.PRONOUNS);
/** Object pronouns of other languages: read as "it" only where no object follows the verb. */
export const OBJECT_PRONOUN = new Set(L.OBJECT_PRONOUNS);
/** Pronouns written onto the end of a verb ("bórralos"), and their lengths, longest first. */
export const ENCLITIC = new Set(L.ENCLITICS);
/** The languages that write pronouns onto verbs: only their texts are searched for them. */
export const ENCLITIC_LANGUAGES = L.LANGUAGES.filter((l) => l.enclitics.length > 0).map((l) => l.language);
export const ENCLITIC_LENGTHS = [...new Set(L.ENCLITICS.map((e) => e.length))].sort((a, b) => b - a);
export const SUBORDINATOR = functionWords('subordinators');
export const CONTENT_TOOL = stems(L.CONTENT_TOOLS);
export const CONTENT_VERB = bothStems(L.CONTENT_WORDS);
export const SUBJECT_PRONOUN = bothStems(L.SUBJECT_PRONOUNS);
/** First words of the two-word subject pronouns ("il va"): the pair is looked up only after one. */
export const SUBJECT_PRONOUN_FIRST = new Set(
  [...SUBJECT_PRONOUN].filter((k) => k.includes(' ')).map((k) => k.slice(0, k.indexOf(' '))),
);
export const NEG_PARTICLE = stems(L.NEGATION_PARTICLES);
export const PERFECTIVE = stems(L.PERFECTIVE);
export const PLACEHOLDER = stems(L.PLACEHOLDERS);
export const CONTAINER_PREPOSITION = stems(L.CONTAINER_PREPOSITIONS);
/** The container prepositions of CJK languages (里, 中的): after an object they name a location. */
export const CJK_LOCATION = new Set(
  [...CONTAINER_PREPOSITION].filter((k) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(k)),
);
export const GERUND_PASSIVE = stems(L.GERUND_PASSIVES);
export const REFLEXIVE_ENCLITIC = new Set(L.REFLEXIVE_ENCLITICS);
export const REASON_NOUN = bothStems(L.REASON_NOUNS);
export const ADVERBIAL = stems(L.ADVERBIALS);
export const DIRECTION = stems(L.DIRECTIONS);
export const SUBJECT_PREDICATE = bothStems(L.SUBJECT_PREDICATES);
export const PRESENTATIVE = stems(L.PRESENTATIVES);
export const ADJECTIVE_LEAD = new Set([...QUANTIFIER, ...stems(['every', 'these', 'those'])]);
export const VERB_FINAL = stems(L.VERB_FINAL);
export const POST_NEGATE = stems(L.POST_NEGATIONS);
export const STATE_CHANGE = stems(L.STATE_CHANGE);
export const DIRECTIVE = stems(L.DIRECTIVES);
export const ABOUT = bothStems(L.ABOUT);
export const REQUEST_CLOSER = stems(L.REQUEST_CLOSERS);
export const DO_IT = [...stems(L.DO_IT)];
export const PERMANENT = stems(L.PERMANENT);
export const PERMANENT_WORDS = new Set([...PERMANENT].flatMap((k) => k.split(' ')));

/** The words of item keys, reused by `hasPhrase` (a key may be several words); stale past its count. */
const keyWords: string[] = [];
/** The words of keys of several words (lexicon phrases: a bounded set), split once each. */
const splitKeys = new Map<string, readonly string[]>();

function wordsOfKey(key: string): readonly string[] {
  let words = splitKeys.get(key);
  if (words === undefined) {
    if (splitKeys.size >= 4096) splitKeys.clear();
    words = key.split(' ');
    splitKeys.set(key, words);
  }
  return words;
}

/**
 * Whether the keys of items[from, to) joined by spaces contain one of `phrases` as whole words,
 * as a search for ` ${phrase} ` in ` ${keys} ` would find it: phrases are looked up by the word
 * they start with, not each searched for in turn.
 */
export function hasPhrase(
  phrases: ReadonlyMap<string, readonly (readonly string[])[]>,
  items: readonly Item[],
  from: number,
  to: number,
): boolean {
  let count = 0;
  for (let i = from; i < to; i++) {
    const key = items[i].key;
    if (key.indexOf(' ') < 0) keyWords[count++] = key;
    else for (const w of wordsOfKey(key)) keyWords[count++] = w;
  }
  for (let j = 0; j < count; j++) {
    const candidates = phrases.get(keyWords[j]);
    if (candidates === undefined) continue;
    for (const words of candidates) {
      let n = 1;
      while (n < words.length && j + n < count && keyWords[j + n] === words[n]) n++;
      if (n === words.length) return true;
    }
  }
  return false;
}

/** Phrases by their first word, as `hasPhrase` looks for them. */
export function byFirstWord(phrases: Iterable<string>): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const p of phrases) {
    const words = p.split(' ');
    out.set(words[0], [...(out.get(words[0]) ?? []), words]);
  }
  return out;
}
export const PERMANENT_BY_FIRST = byFirstWord(PERMANENT);
/** Surface forms (plurals listed; also without accents, for the bare reading): stems would confuse "named" with "name". */
const HEAD_NOUN_EN = new Set(L.LANGUAGES.find((l) => l.language === 'en')?.headNouns ?? []);
/**
 * Documents an object can be taken "from" without touching a system ("the column from the weekly
 * report"); not head nouns, since "report" after an object is as often the verb ("…, report back").
 */
export const DOCUMENT_NOUN: ReadonlySet<string> = new Set([
  'report',
  'reports',
  'list',
  'lists',
  'array',
  'arrays',
  'ui',
  'form',
  'slide',
  'slides',
]);
/** Of those, the ones that also hold it: "Clear the table in the UI" (not "the pods in the list below"). */
export const SCREEN_NOUN: ReadonlySet<string> = new Set([
  'report',
  'reports',
  'ui',
  'form',
  'slide',
  'slides',
]);
export const HEAD_NOUN = new Set(
  L.HEAD_NOUNS.flatMap((w) => [w.toLowerCase(), stripDiacritics(w.toLowerCase())]),
);
/** Head nouns of languages that put the head first ("o processo node"): an object right after one names it. */
export const HEAD_FIRST = new Set(
  L.LANGUAGES.filter((l) => l.headFirst)
    .flatMap((l) => l.headNouns.map((w) => w.toLowerCase()))
    .filter((w) => !HEAD_NOUN_EN.has(w)),
);
export const REPORT = bothStems(L.REPORT_MARKERS);
export const TRAILING = stems(L.TRAILING);
export const PASSIVE_AUX = stems(L.PASSIVE_AUXILIARIES);
export const PAST_PARTICIPLE = stems(L.PAST_PARTICIPLES);
export const LINKER = stems(L.LINKERS);
export const BACKWARD_MARKER = stems(L.BACKWARD_MARKERS);
// The verb is a word or a phrase read as one item ("dont want to see … again"); the particle is the last word.
export const SEPARABLE = new Map(
  Object.entries(L.SEPARABLE).map(([k, v]) => {
    const cut = k.lastIndexOf(' ');
    return [`${phraseKey(k.slice(0, cut))} ${phraseKey(k.slice(cut + 1))}`, v];
  }),
);
/** The verbs (item keys) of separable verbs: the clause scan runs only when one occurs. */
export const SEPARABLE_VERB = new Set([...SEPARABLE.keys()].map((k) => k.slice(0, k.lastIndexOf(' '))));
export const IMPERATIVE_ONLY = stems(L.IMPERATIVE_ONLY);
export const CJK_WORD = /[\u3040-\u30ff\u3400-\u9fff]/;
export const RESTRICT = new Map(
  Object.entries(L.ACTION_RESTRICTIONS).map(([k, v]) => [phraseKey(k), new Set(v)]),
);
export const SENSE = stems(L.SENSE_CONTEXT);
export const AMBIGUOUS = stems(L.AMBIGUOUS_OBJECTS);
export const WEAK = stems(L.WEAK_OBJECTS);
export const IMPLIED = new Map(Object.entries(L.IMPLIED_OBJECTS).map(([k, v]) => [phraseKey(k), v]));
/**
 * Function words of languages other than English whose stem is an object's ("pode" stems to "pod"):
 * as written, they are never that object.
 */
export const NOT_OBJECT = (() => {
  const objects = new Set(
    L.LANGUAGES.flatMap((l) => Object.values(l.objects).flat()).map((w) => w.toLowerCase()),
  );
  return new Set(
    L.LANGUAGES.filter((l) => l.language !== 'en')
      .flatMap((l) => [...l.modals, ...l.requestOpeners, ...l.stopwords, ...l.subjectPronouns])
      .flatMap((w) => w.toLowerCase().split(' '))
      .filter((w) => !objects.has(w)),
  );
})();
/** Surface forms listed in the lexicon: "shred" ends in -ed but is not a past tense. */
export const LEXICON_SURFACE = new Set(
  Object.values(L.ACTIONS)
    .flat()
    .flatMap((p) => p.toLowerCase().split(' ')),
);

/** Words opening a condition: English's anywhere, another language's at the start of a clause. */
export const CONDITIONAL = functionWords('conditionals');
export const CORE_CONDITIONAL = stems(['if', 'whenever', 'unless']);
export const WISH = stems(['want', 'need', 'like', 'have', 'get', 'prefer', 'wish']);
/** English present forms of "be": after a directive, "… is deleted" is the state asked for. */
export const BE_PRESENT = stems(['is', 'are']);
/** English words ordering two steps: an about-word before one does not reach the other. */
export const SEQUENCE = stems(['before', 'after']);
/** English modals of ability; after a subject other than the speaker or the agent they describe. */
export const ABILITY = stems(['can', 'could', 'may']);
/** English personal pronouns of the speaker and the agent ("you can delete …" gives permission). */
export const PERSONAL = stems(['i', 'you', 'we', 'u']);
/** English modals of a hypothesis: "the pods that would be deleted" describes. */
export const HYPOTHETICAL = stems(['would', 'might']);
/** English relative pronouns: "the pods that will be deleted" describes them. */
export const RELATIVE = stems(['that', 'which']);
/** English words opening a clause of time: "tell me when you've deleted it" presupposes the deletion. */
export const TIME_CLAUSE = stems(['when', 'once', 'after']);
const [YOUVE, YOU, HAVE] = ['youve', 'you', 'have'].map((w) => phraseKey(w));

/**
 * Whether the participle at i follows "you've" or "you have" opening a clause of time ("when
 * you've deleted the namespace", "once you have dropped it"): the deletion is asked for.
 */
export function presupposed(items: readonly { s: string }[], from: number, i: number): boolean {
  let k = i - 1;
  if (k >= from && items[k].s === YOUVE) k--;
  else if (k - 1 >= from && items[k].s === HAVE && items[k - 1].s === YOU) k -= 2;
  else return false;
  return k >= from && TIME_CLAUSE.has(items[k].s);
}

/**
 * L.PAST_ENDINGS by their last character (language files list no empty word): a word is compared
 * only with the endings it may have.
 */
const PAST_ENDINGS_BY_LAST = new Map<string, string[]>();
for (const e of L.PAST_ENDINGS) {
  const last = e.charAt(e.length - 1);
  PAST_ENDINGS_BY_LAST.set(last, [...(PAST_ENDINGS_BY_LAST.get(last) ?? []), e]);
}

/** Whether an action word is a past form ("dropped", "eliminó"); "shred" ends in -ed but is listed as is. */
export function isPast(it: Item): boolean {
  const w = it.w;
  const endings = PAST_ENDINGS_BY_LAST.get(w.charAt(w.length - 1));
  return endings?.some((e) => w.endsWith(e)) === true && !LEXICON_SURFACE.has(w);
}

const ACCENTED_PAST = L.PAST_ENDINGS.filter((e) => stripDiacritics(e) !== e);
/**
 * A word with a character outside ASCII: letters, one non-ASCII character, letters. A match
 * starts where no letter precedes or (right after the previous match) at the non-ASCII character:
 * the same matches as without the look-behind, without retrying from every letter of every word.
 */
const ACCENTED_WORD = /(?<!\p{L})\p{L}*[^\p{ASCII}]\p{L}*|[^\p{ASCII}]\p{L}*/gu;

/**
 * The text without accents, for the second reading that defeats camouflage ("dròp the dätabase"),
 * except in words ending in an accented past ending: "el cron eliminó" stays a report of the past.
 */
export function withoutCamouflage(text: string): string {
  if (stripDiacritics(text) === text) return text;
  return text.replace(ACCENTED_WORD, (w) =>
    w.length > 4 && ACCENTED_PAST.some((e) => w.toLowerCase().endsWith(e)) ? w : stripDiacritics(w),
  );
}
