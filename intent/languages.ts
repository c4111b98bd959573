// Loads and validates the per-language vocabularies in intent/languages/*.json, so adding a language
// is adding a data file (plus labelled examples in intent/corpus/) rather than code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LANGUAGES_DIR = new URL('./languages/', import.meta.url).pathname;

/** How a language is split into words: at spaces and punctuation, or by dictionary and ICU segmentation. */
export type Script = 'latin' | 'cjk';

/** German-style compounds: a known head ("datenbank") may close a longer word after a linker ("s"). */
export interface CompoundRules {
  heads: readonly string[];
  linkers: readonly string[];
  /** Shortest modifier left in front of the head. */
  minPart: number;
}

/** One language's vocabulary; every list is optional and empty by default. */
export interface Language {
  file: string;
  language: string;
  name: string;
  script: Script;
  /** Canonical action → words and phrases (any inflection listed as such). */
  actions: Readonly<Record<string, readonly string[]>>;
  /** Canonical object → words and phrases. */
  objects: Readonly<Record<string, readonly string[]>>;
  /** Action phrase → the only objects it applies to ("format" only formats volumes). */
  restrict: Readonly<Record<string, readonly string[]>>;
  /** true: every action of the language takes the object before it; a list: those infinitives do. */
  verbFinal: boolean | readonly string[];
  /** Two nouns in a row put the head first: "la table users", "el namespace monitoring" (Romance). */
  headFirst: boolean;
  negations: readonly string[];
  /** Words that, after a negation, request the action after all ("don't forget to", "no olvides", 别忘了). */
  negationCancellers: readonly string[];
  /** Words opening a clause whose verb comes last (German "wenn", "dass"): its action takes the object before it. */
  verbFinalClauses: readonly string[];
  /** Object pronouns after a verb, standing for the last object named ("supprime-les", "lösche sie"). */
  objectPronouns: readonly string[];
  /** Pronouns written onto the end of a verb ("bórralos", "elimíname"): the verb is read without them. */
  enclitics: readonly string[];
  /** Modal verbs: before a passive auxiliary they make it a request ("应该今天被删除"), not a report. */
  modals: readonly string[];
  /** Infinitive markers between an object and a verb-final infinitive (German "zu"). */
  infinitiveMarkers: readonly string[];
  /** Words after an action that negate it (Japanese しないで). */
  postNegations: readonly string[];
  /** Words that make a sentence about an operation rather than a request to do it ("forbid", "test"). */
  about: readonly string[];
  /** Words that make a quotation next to them material, not a request ("translate", "says", "button"). */
  contentWords: readonly string[];
  /** Third-person subject pronouns: an action right after one is described ("it drops the table"). */
  subjectPronouns: readonly string[];
  /** Negation particles paired with another negation word, not cancelling it (French "ne … personne"). */
  negationParticles: readonly string[];
  /** Words opening a condition, which describes until its comma ("si", "wenn", 如果). */
  conditionals: readonly string[];
  interrogatives: readonly string[];
  requestOpeners: readonly string[];
  /** Sentence-final words that make a question a polite request (Japanese してもらえますか). */
  requestClosers: readonly string[];
  /** "Do it": a sentence that asks to carry out what the previous question described. */
  doIt: readonly string[];
  /** State-change predicates ("be gone", "no longer exist"): verb-final, and a request only under a directive. */
  stateChange: readonly string[];
  /** Directive words that make a state-change predicate a request ("ensure", "make", "need"). */
  directives: readonly string[];
  /** Phrases asking to act on content the agent read ("do what the document says"). */
  actOnData: readonly string[];
  /** Adverbs that turn taking something down into deleting it ("permanently"). */
  permanent: readonly string[];
  /** Nouns that, right after an object word, are the real head ("the node process", "the namespace prefix"). */
  headNouns: readonly string[];
  /** Words marking a report of the past ("was", "yesterday", 被). */
  report: readonly string[];
  /** Past participles that report when no modal precedes them (German "gelöscht"). */
  pastParticiples: readonly string[];
  /** Endings of simple past forms, never of a request ("eliminó", "apagou"): a report, like English -ed. */
  pastEndings: readonly string[];
  /** Particles right after a verb that report it done (Chinese 了), unless a backward marker (把) asks. */
  perfective: readonly string[];
  /** Auxiliaries of a passive ("be" in "should be dropped", "ser", "être", 被 after a modal): the object precedes. */
  passiveAuxiliaries: readonly string[];
  /** Particles joining a modifier to its head noun (的, の): an object before one only modifies what follows. */
  linkers: readonly string[];
  /** Auxiliaries and particles after a verb-final action ("して", "ください"). */
  trailing: readonly string[];
  /** Markers after which the object precedes the verb (Chinese 把). */
  backwardMarkers: readonly string[];
  stopwords: readonly string[];
  /** Words opening a subordinate clause, which ends an action's noun phrase ("que", "dass"). */
  subordinators: readonly string[];
  /** Separable verbs: "verb particle" → action, the particle closing the clause ("Fahre … herunter"). */
  separable: Readonly<Record<string, string>>;
  /**
   * Imperatives spelt like a function word ("para": stop, or "for"), an action only when they open
   * a sentence whose whole rest is the object phrase ("Para los nodos del grupo de cómputo").
   */
  initialVerbs: Readonly<Record<string, string>>;
  /** Frequent function words, used only to guess the language in explanations. */
  common: readonly string[];
  prepositions: readonly string[];
  coordinators: readonly string[];
  determiners: readonly string[];
  compounds?: CompoundRules;
  /** Words standing for an unnamed object whose container is the real one ("el contenido del bucket"). */
  placeholders: readonly string[];
  /** Prepositions after a placeholder that name its container ("del", "im", 中的). */
  containerPrepositions: readonly string[];
  /** Verbs after which a gerund is passive, its object before them ("the snapshots need purging"). */
  gerundPassives: readonly string[];
  /** Pronouns written onto a verb that make it reflexive or passive ("tienen que borrarse"). */
  reflexiveEnclitics: readonly string[];
  /** Nouns of a reason or need: a negation before one cancels the negation after it ("no reason not to"). */
  reasonNouns: readonly string[];
  /** Adverbial phrases skipped between a verb and its object ("por completo", "once and for all"). */
  adverbials: readonly string[];
  /** Verbs after a gerund or infinitive opening a sentence, making it the subject ("Deleting X would be …"). */
  subjectPredicates: readonly string[];
  /** Openers presenting material ("here is", "voici", 以下是): after their colon comes content, not a request. */
  presentatives: readonly string[];
  /** Words opening a subject besides articles ("este", "ce", "unser"): "El cron borra …" describes. */
  subjectLeads: readonly string[];
  /** Nouns of time: a phrase of one before an imperative is no subject ("Esta noche borra …"). */
  timeNouns: readonly string[];
  /** Words opening a sentence that is a wish ("Que la base n'existe plus"): its state change is asked for. */
  optatives: readonly string[];
  /** Actions only at the head of their clause or after a request opener ("Lose the temp bucket", not "you'll lose it"). */
  imperativeOnly: readonly string[];
}

const LISTS = [
  'negations',
  'negationCancellers',
  'verbFinalClauses',
  'infinitiveMarkers',
  'modals',
  'objectPronouns',
  'enclitics',
  'postNegations',
  'about',
  'contentWords',
  'subjectPronouns',
  'negationParticles',
  'conditionals',
  'interrogatives',
  'requestOpeners',
  'requestClosers',
  'doIt',
  'stateChange',
  'directives',
  'actOnData',
  'permanent',
  'headNouns',
  'report',
  'pastParticiples',
  'pastEndings',
  'perfective',
  'passiveAuxiliaries',
  'linkers',
  'trailing',
  'backwardMarkers',
  'stopwords',
  'subordinators',
  'common',
  'prepositions',
  'coordinators',
  'determiners',
  'placeholders',
  'containerPrepositions',
  'gerundPassives',
  'reflexiveEnclitics',
  'reasonNouns',
  'adverbials',
  'subjectPredicates',
  'presentatives',
  'subjectLeads',
  'timeNouns',
  'optatives',
  'imperativeOnly',
] as const;
/** The function-word lists: kept per language, never merged (prose-words.ts). */
export const FUNCTION_WORD_LISTS = [
  'stopwords',
  'prepositions',
  'coordinators',
  'determiners',
  'subordinators',
  'interrogatives',
  'conditionals',
] as const;
const KEYS = new Set<string>([
  ...LISTS,
  'language',
  'name',
  'note',
  'script',
  'actions',
  'objects',
  'restrict',
  'verbFinal',
  'headFirst',
  'compounds',
  'separable',
  'initialVerbs',
]);

/** A language file that does not follow the format; the message names the file and the entry. */
export class LanguageDataError extends Error {}

function words(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw new LanguageDataError(`${where}: expected a list of words`);
  return v.map((w, i) => {
    if (typeof w !== 'string' || w.trim() === '' || w.length > 60 || w.includes(','))
      throw new LanguageDataError(
        `${where}[${i}]: expected a word or short phrase, got ${JSON.stringify(w)}`,
      );
    return w.trim().toLowerCase();
  });
}

function table(
  v: unknown,
  where: string,
  known: ReadonlySet<string>,
  kind: string,
): Record<string, readonly string[]> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new LanguageDataError(`${where}: expected {${kind}: [words]}`);
  const out: Record<string, readonly string[]> = {};
  for (const [canon, list] of Object.entries(v)) {
    if (!known.has(canon))
      throw new LanguageDataError(`${where}.${canon}: unknown ${kind} (known: ${[...known].join(', ')})`);
    out[canon] = words(list, `${where}.${canon}`);
  }
  return out;
}

/**
 * Parses and checks one language file: known keys only, canonical action and object names, word
 * lists of short strings, and no phrase listed for two different actions (or two objects).
 */
export function parseLanguage(
  file: string,
  source: string,
  actions: ReadonlySet<string>,
  objects: ReadonlySet<string>,
): Language {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(source) as Record<string, unknown>;
  } catch (e) {
    throw new LanguageDataError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new LanguageDataError(`${file}: expected an object`);
  for (const k of Object.keys(doc))
    if (!KEYS.has(k)) throw new LanguageDataError(`${file}: unknown key "${k}"`);
  if (typeof doc.language !== 'string' || !/^[a-z]{2,3}$/.test(doc.language))
    throw new LanguageDataError(`${file}: "language" must be a BCP 47 primary tag such as "es"`);
  if (typeof doc.name !== 'string') throw new LanguageDataError(`${file}: "name" must be a string`);
  if (doc.script !== undefined && doc.script !== 'latin' && doc.script !== 'cjk')
    throw new LanguageDataError(`${file}: "script" must be "latin" or "cjk"`);
  const lang: Language = {
    file,
    language: doc.language,
    name: doc.name,
    script: (doc.script as Script | undefined) ?? 'latin',
    actions: table(doc.actions, `${file}: actions`, actions, 'action'),
    objects: table(doc.objects, `${file}: objects`, objects, 'object'),
    restrict: {},
    verbFinal: false,
    headFirst: false,
    negations: [],
    negationCancellers: [],
    verbFinalClauses: [],
    infinitiveMarkers: [],
    modals: [],
    objectPronouns: [],
    enclitics: [],
    postNegations: [],
    about: [],
    contentWords: [],
    subjectPronouns: [],
    negationParticles: [],
    conditionals: [],
    interrogatives: [],
    requestOpeners: [],
    requestClosers: [],
    doIt: [],
    stateChange: [],
    directives: [],
    actOnData: [],
    permanent: [],
    headNouns: [],
    report: [],
    pastParticiples: [],
    pastEndings: [],
    perfective: [],
    passiveAuxiliaries: [],
    linkers: [],
    trailing: [],
    backwardMarkers: [],
    stopwords: [],
    subordinators: [],
    separable: {},
    initialVerbs: {},
    common: [],
    prepositions: [],
    coordinators: [],
    determiners: [],
    placeholders: [],
    containerPrepositions: [],
    gerundPassives: [],
    reflexiveEnclitics: [],
    reasonNouns: [],
    adverbials: [],
    subjectPredicates: [],
    presentatives: [],
    subjectLeads: [],
    timeNouns: [],
    optatives: [],
    imperativeOnly: [],
  };
  const mutable = lang as unknown as Record<string, unknown>;
  for (const k of LISTS) if (doc[k] !== undefined) mutable[k] = words(doc[k], `${file}: ${k}`);
  for (const k of ['objectPronouns', 'enclitics', 'reflexiveEnclitics'] as const)
    for (const w of lang[k])
      if (!/^\p{L}{1,4}$/u.test(w))
        throw new LanguageDataError(`${file}: ${k}: "${w}" is not a short single word`);
  if (doc.headFirst !== undefined) {
    if (typeof doc.headFirst !== 'boolean')
      throw new LanguageDataError(`${file}: "headFirst" must be true or false`);
    lang.headFirst = doc.headFirst;
  }
  if (doc.verbFinal !== undefined)
    lang.verbFinal =
      typeof doc.verbFinal === 'boolean' ? doc.verbFinal : words(doc.verbFinal, `${file}: verbFinal`);
  // A phrase meaning two things within one language is a mistake in the data, not an ambiguity to resolve.
  for (const [kind, t] of [
    ['actions', lang.actions],
    ['objects', lang.objects],
  ] as const) {
    const seen = new Map<string, string>();
    for (const [canon, list] of Object.entries(t)) {
      for (const w of list) {
        const other = seen.get(w);
        if (other !== undefined && other !== canon)
          throw new LanguageDataError(`${file}: ${kind}: "${w}" is listed under both ${other} and ${canon}`);
        seen.set(w, canon);
      }
    }
  }
  // Function words are kept per language (prose-words.ts): one that is also an action or object
  // of the same language would silence that word, so the file is refused instead.
  const phrases = new Set([...Object.values(lang.actions).flat(), ...Object.values(lang.objects).flat()]);
  for (const k of FUNCTION_WORD_LISTS)
    for (const w of lang[k])
      if (phrases.has(w))
        throw new LanguageDataError(`${file}: ${k}: "${w}" is also an action or object of this language`);
  if (doc.restrict !== undefined) {
    if (typeof doc.restrict !== 'object' || doc.restrict === null || Array.isArray(doc.restrict))
      throw new LanguageDataError(`${file}: restrict: expected {action phrase: [objects]}`);
    const phrases = new Set(Object.values(lang.actions).flat());
    const restrict: Record<string, readonly string[]> = {};
    for (const [phrase, list] of Object.entries(doc.restrict)) {
      const key = phrase.toLowerCase();
      if (!phrases.has(key))
        throw new LanguageDataError(`${file}: restrict.${phrase}: not one of this file's action phrases`);
      const objs = words(list, `${file}: restrict.${phrase}`);
      for (const o of objs)
        if (!objects.has(o))
          throw new LanguageDataError(`${file}: restrict.${phrase}: unknown object "${o}"`);
      restrict[key] = objs;
    }
    lang.restrict = restrict;
  }
  if (doc.separable !== undefined) {
    if (typeof doc.separable !== 'object' || doc.separable === null || Array.isArray(doc.separable))
      throw new LanguageDataError(`${file}: separable: expected {"verb particle": action}`);
    const sep: Record<string, string> = {};
    for (const [phrase, canon] of Object.entries(doc.separable)) {
      if (typeof canon !== 'string' || !actions.has(canon))
        throw new LanguageDataError(`${file}: separable.${phrase}: unknown action ${JSON.stringify(canon)}`);
      if (phrase.trim().split(/\s+/).length < 2)
        throw new LanguageDataError(`${file}: separable.${phrase}: expected "verb particle"`);
      sep[phrase.toLowerCase()] = canon;
    }
    lang.separable = sep;
  }
  if (doc.initialVerbs !== undefined) {
    const v = doc.initialVerbs;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new LanguageDataError(`${file}: initialVerbs: expected {"word": action}`);
    const out: Record<string, string> = {};
    for (const [word, canon] of Object.entries(v)) {
      if (typeof canon !== 'string' || !actions.has(canon))
        throw new LanguageDataError(`${file}: initialVerbs.${word}: unknown action ${JSON.stringify(canon)}`);
      if (!/^\p{L}+$/u.test(word))
        throw new LanguageDataError(`${file}: initialVerbs.${word}: expected one word`);
      out[word.toLowerCase()] = canon;
    }
    lang.initialVerbs = out;
  }
  if (doc.compounds !== undefined) {
    const c = doc.compounds as Record<string, unknown>;
    if (typeof c !== 'object' || c === null || typeof c.minPart !== 'number' || c.minPart < 2)
      throw new LanguageDataError(`${file}: compounds: expected {heads, linkers, minPart ≥ 2}`);
    lang.compounds = {
      heads: words(c.heads, `${file}: compounds.heads`),
      linkers: c.linkers === undefined ? [] : words(c.linkers, `${file}: compounds.linkers`),
      minPart: c.minPart,
    };
  }
  return lang;
}

/** Reads and checks every language file in a folder, in file-name order. */
export function loadLanguages(
  actions: ReadonlySet<string>,
  objects: ReadonlySet<string>,
  dir = LANGUAGES_DIR,
): Language[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const seen = new Set<string>();
  return files.map((f) => {
    const lang = parseLanguage(f, readFileSync(join(dir, f), 'utf8'), actions, objects);
    if (seen.has(lang.language))
      throw new LanguageDataError(`${f}: language "${lang.language}" defined twice`);
    seen.add(lang.language);
    return lang;
  });
}

/**
 * A guess at the language of a text, for explanations only (matching never depends on it): kana
 * means Japanese, other Han characters Chinese, otherwise the language whose words the text uses most.
 */
export function guessLanguage(text: string, languages: readonly Language[]): string {
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\u3400-\u9fff]/.test(text)) return 'zh';
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best = 'en';
  let bestScore = 0;
  for (const l of languages) {
    if (l.script === 'cjk') continue;
    const vocab = new Set(
      [
        ...l.stopwords,
        ...l.common,
        ...l.prepositions,
        ...l.determiners,
        ...Object.values(l.actions).flat(),
      ].filter((w) => !w.includes(' ')),
    );
    const score = words.filter((w) => vocab.has(w)).length + (l.language === 'en' ? 0.5 : 0);
    if (score > bestScore) [best, bestScore] = [l.language, score];
  }
  return best;
}
