// The vocabulary of intent matching, as the readers use it: the English core (intent/data/core.json),
// the command knowledge (intent/data/commands.json) and every language file (intent/languages/*.json),
// each loaded and validated once at start-up, merged here into the tables the readers look up.
// Deterministic and reviewable on purpose — a policy author can read exactly what "delete" covers.

import { FUNCTION_WORD_LISTS, type Language, loadLanguages } from './languages.js';
import { loadCommands, loadCore } from './vocabulary.js';

export type { CommandSpec } from './vocabulary.js';

const CORE = loadCore();
const COMMAND_DATA = loadCommands(CORE);

/** Canonical action → the English core words (stemmed before lookup) and phrases that mean it. */
const CORE_ACTIONS = CORE.actions;
/** Canonical object → the English core words that denote it (hierarchy: OBJECT_PARENTS). */
const CORE_OBJECTS = CORE.objects;
const CORE_NEGATIONS = CORE.negations;
const CORE_NEGATION_CANCELLERS = CORE.negationCancellers;
const CORE_INTERROGATIVES = CORE.interrogatives;
const CORE_REQUEST_OPENERS = CORE.requestOpeners;
const CORE_MODALS = CORE.modals;
const CORE_STOPWORDS = CORE.stopwords;
const CORE_DETERMINERS = CORE.determiners;
const CORE_COORDINATORS = CORE.coordinators;
const CORE_SUBORDINATORS = CORE.subordinators;
const CORE_PREPOSITIONS = CORE.prepositions;

/** Objects too generic to head a noun phrase when a more specific one precedes them ("the monitoring stack"). */
export const WEAK_OBJECTS = CORE.weakObjects;
/** Actions that name their own object when none is given ("rm -rf x", "mkfs /dev/sdb"). */
export const IMPLIED_OBJECTS = CORE.impliedObjects;
/** `stop` on these objects means switching them off, which is what policies call `disable`. */
export const STOP_MEANS_DISABLE = CORE.stopMeansDisable;
/** Words that switch ambiguous objects to their programming or statistics sense ("linked list"). */
export const SENSE_CONTEXT = CORE.senseContext;
/** Objects with such a second sense: node, root, stack, cluster, table, row, … */
export const AMBIGUOUS_OBJECTS = CORE.ambiguousObjects;
/** Words that end a negation's scope ("don't delete the ns, just scale it"). */
export const NEGATION_ENDERS = CORE.negationEnders;
/** Sentence openers that make a question informational when no request opener matches. */
export const QUESTION_OPENERS: readonly string[] = [...CORE_INTERROGATIVES, ...CORE.questionOpeners];
/** Verbs that make an identifier in prose an invocation ("call deleteNamespace"), not a mention. */
export const INVOKERS = CORE.invokers;
/** Quantifiers after which "of" continues the object search ("delete all of the pods"). */
export const QUANTIFIERS = CORE.quantifiers;
/** Verb particles skipped between an action and its object ("wipe out the db"). */
export const PARTICLES = CORE.particles;
/** Pronouns that refer back to the last object named ("find the volumes and delete them"). */
export const PRONOUNS = CORE.pronouns;
/** Tool-name words that mark arguments as content to process, not instructions (`web_search`). */
export const CONTENT_TOOLS = CORE.contentTools;
/** Verbs whose quoted argument is material to work on, not a request ("translate '…'"). */
export const CONTENT_VERBS = CORE.contentVerbs;

/** Tool-call argument keys whose value names the action ({verb: "delete"}, {method: "DELETE"}). */
export const VERB_KEYS = COMMAND_DATA.verbKeys;
/** Tool-call argument keys whose value names the object kind ({kind: "Namespace"}). */
export const KIND_KEYS = COMMAND_DATA.kindKeys;
/** Tool-call argument keys holding a URL or API path ({url: ".../databases/prod"}). */
export const URL_KEYS = COMMAND_DATA.urlKeys;
/** HTTP methods in verb keys, as actions. */
export const HTTP_METHODS = COMMAND_DATA.httpMethods;
/** kubectl resource names and short names → object (the resource argument is never prose). */
export const KUBE_RESOURCES = COMMAND_DATA.kubeResources;
/** Commands by program name (the basename, after `sudo`, `env`, `xargs` and the like). */
export const COMMANDS = COMMAND_DATA.commands;
/** Programs whose arguments are data, not commands: they never carry intent. */
export const INERT_COMMANDS = COMMAND_DATA.inertCommands;
/** Prefix commands that run the command after them (`sudo rm …`, `xargs rm …`). */
export const WRAPPERS = COMMAND_DATA.wrappers;

// ---- Languages as data: the files in languages/ extend the English core. ----

/** Every language file, validated (a malformed file fails the import with its name and entry). */
export const LANGUAGES: readonly Language[] = loadLanguages(
  new Set(Object.keys(CORE_ACTIONS)),
  new Set(Object.keys(CORE_OBJECTS)),
);

function mergeTables(
  core: Readonly<Record<string, readonly string[]>>,
  pick: (l: Language) => Readonly<Record<string, readonly string[]>>,
): Readonly<Record<string, readonly string[]>> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(core)) out[k] = [...v];
  for (const l of LANGUAGES) for (const [k, v] of Object.entries(pick(l))) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
/**
 * Fixed expressions whose words are not lexicon entries ("table of contents", "drop shadow"). A
 * one-word idiom is listed capitalized too: a German noun is split into its compound parts when
 * lexed ("Entwicklungsserver" → entwicklung server), and the idiom must match it split as well.
 */
export const IDIOMS = [
  ...CORE.idioms.flatMap((w: string) =>
    w.includes(' ') || w.includes('-') ? [w] : [w, w[0].toUpperCase() + w.slice(1)],
  ),
  ...LANGUAGES.flatMap((l) => l.adverbials),
];
/** Adverbial phrases (read as one word) skipped between a verb and its object ("por completo"). */
export const ADVERBIALS = LANGUAGES.flatMap((l) => l.adverbials);
const merged = (core: readonly string[], pick: (l: Language) => readonly string[]) => [
  ...core,
  ...LANGUAGES.flatMap(pick),
];

/** Canonical action → words and phrases of every language. */
export const ACTIONS = mergeTables(CORE_ACTIONS, (l) => l.actions);
/** Canonical object → words and phrases of every language. */
export const OBJECTS = mergeTables(CORE_OBJECTS, (l) => l.objects);
/** Words that negate a following action within a short window ("do not delete", "never drop"). */
export const NEGATIONS = merged(CORE_NEGATIONS, (l) => l.negations);
/**
 * Negations of one CJK language only, with that language: Chinese 不要 ("don't") is Japanese 不要
 * ("unneeded"), so each negates only in a text of its own language (prose-words.ts).
 */
export const CJK_ONLY_NEGATIONS: ReadonlyMap<string, string> = new Map(
  LANGUAGES.filter((l) => l.script === 'cjk').flatMap((l) =>
    l.negations
      .filter((w) => !LANGUAGES.some((o) => o !== l && o.negations.includes(w)))
      .map((w) => [w, l.language] as [string, string]),
  ),
);
/** After a negation these request the action after all ("don't forget to delete", "no olvides"). */
export const NEGATION_CANCELLERS = merged(CORE_NEGATION_CANCELLERS, (l) => l.negationCancellers);
/** Words opening a clause whose verb comes last (German "wenn", "dass"). */
export const VERB_FINAL_CLAUSES = merged([], (l) => l.verbFinalClauses);
/** Words between a subject and a passive auxiliary that keep the passive a request ("needs to be dropped", 应该). */
export const MODALS = merged(CORE_MODALS, (l) => l.modals);
/** Object pronouns of every language after a verb ("supprime-les", "lösche sie"). */
export const OBJECT_PRONOUNS = merged([], (l) => l.objectPronouns);
/** Pronouns written onto the end of a verb ("bórralos"). */
export const ENCLITICS = merged([], (l) => l.enclitics);
/** Infinitive markers before a verb-final infinitive (German "zu"). */
export const INFINITIVE_MARKERS = merged([], (l) => l.infinitiveMarkers);
/**
 * Interrogatives: an action they precede in the same clause is asked about, not requested
 * ("how do I drop a table", "explain what kubectl delete does").
 */
export const INTERROGATIVES = merged(CORE_INTERROGATIVES, (l) => l.interrogatives);
/** Openers that turn a question into a request addressed to the agent ("can you drop …?", "¿puedes …?"). */
export const REQUEST_OPENERS = merged(CORE_REQUEST_OPENERS, (l) => l.requestOpeners);
/** Filler words skipped when measuring the distance between an action and its object. */
export const STOPWORDS = merged(CORE_STOPWORDS, (l) => l.stopwords);
/** Prepositions: past the first content word, one ends the object search. */
export const PREPOSITIONS = merged(CORE_PREPOSITIONS, (l) => l.prepositions);
/** Coordinators that continue an object list or reset the interrogative scope. */
export const COORDINATORS = merged(CORE_COORDINATORS, (l) => l.coordinators);
/** Determiners: an action word right after one is a noun or adjective ("a delete button"). */
export const DETERMINERS = merged(CORE_DETERMINERS, (l) => l.determiners);
/** The function-word classes, kept per language (prose-words.ts selects those of the text read). */
export type FunctionWordClass = (typeof FUNCTION_WORD_LISTS)[number];
const CORE_FUNCTION_WORDS: Readonly<Record<FunctionWordClass, readonly string[]>> = {
  stopwords: CORE_STOPWORDS,
  prepositions: CORE_PREPOSITIONS,
  coordinators: CORE_COORDINATORS,
  determiners: CORE_DETERMINERS,
  subordinators: CORE_SUBORDINATORS,
  interrogatives: CORE_INTERROGATIVES,
  conditionals: CORE.conditionals,
};
/** Language → class → words; English holds the core lists too. */
export const FUNCTION_WORDS: ReadonlyMap<
  string,
  Readonly<Record<FunctionWordClass, readonly string[]>>
> = new Map(
  LANGUAGES.map((l) => [
    l.language,
    Object.fromEntries(
      FUNCTION_WORD_LISTS.map((k) => [k, [...(l.language === 'en' ? CORE_FUNCTION_WORDS[k] : []), ...l[k]]]),
    ) as unknown as Record<FunctionWordClass, readonly string[]>,
  ]),
);
/** Languages written without spaces: their words cannot be mistaken for another script's. */
export const CJK_LANGUAGES: readonly string[] = LANGUAGES.filter((l) => l.script === 'cjk').map(
  (l) => l.language,
);
/**
 * Words that tell the languages written with spaces apart, for choosing which function words
 * apply: each language's function words, frequent words, negations, cue words (about, request,
 * directive, report) and single-word actions and objects (not English ones: every text borrows them).
 */
export const LANGUAGE_CUES: ReadonlyMap<string, readonly string[]> = new Map(
  LANGUAGES.filter((l) => l.script !== 'cjk').map((l) => [
    l.language,
    [
      ...Object.values(FUNCTION_WORDS.get(l.language) ?? {}).flat(),
      ...l.common,
      ...l.negations,
      ...l.about,
      ...l.requestOpeners,
      ...l.directives,
      ...l.report,
      ...(l.language === 'en' ? [] : Object.values(l.actions).flat()),
      ...(l.language === 'en' ? [] : Object.values(l.objects).flat()),
    ].filter((w) => !w.includes(' ')),
  ]),
);
/** English action and object words, borrowed by every language: cues for none. */
export const BORROWED: readonly string[] = [...Object.values(CORE_ACTIONS), ...Object.values(CORE_OBJECTS)]
  .flat()
  .filter((w) => !w.includes(' '));
/** Actions whose object comes before them: German infinitives, every Japanese verb. */
export const VERB_FINAL: readonly string[] = LANGUAGES.flatMap((l) => [
  ...(l.verbFinal === true ? Object.values(l.actions).flat() : l.verbFinal === false ? [] : l.verbFinal),
  ...l.stateChange,
]);
/** State-change predicates ("be gone", "disappear"): requests only under a directive ("make sure …"). */
export const STATE_CHANGE = merged([], (l) => l.stateChange);
/** Directive words governing a state-change predicate ("ensure", "make", "need", "want"). */
export const DIRECTIVES = merged([], (l) => l.directives);
/** Subordinating words that end an action's noun phrase ("add a finalizer so the namespace …", "que"). */
export const SUBORDINATORS = merged(CORE_SUBORDINATORS, (l) => l.subordinators);
/** Words standing for an unnamed object, whose container is the real one ("everything in the ns"). */
export const PLACEHOLDERS = merged(CORE.placeholders, (l) => l.placeholders);
/** Prepositions after a placeholder naming its container ("everything in the namespace", "del"). */
export const CONTAINER_PREPOSITIONS = merged(
  ['in', 'from', 'on', 'inside', 'within', 'of'],
  (l) => l.containerPrepositions,
);
/** Prepositions of a destination ("go to S3"): they do not close a verb-final clause. */
export const DIRECTIONS = CORE.directions;
/** Verbs after which a gerund is passive ("the snapshots need purging"). */
export const GERUND_PASSIVES = merged([], (l) => l.gerundPassives);
/** Enclitic pronouns making a verb reflexive or passive ("borrarse"): its object comes before it. */
export const REFLEXIVE_ENCLITICS = merged([], (l) => l.reflexiveEnclitics);
/** Nouns of a reason or need, between two negations that cancel ("no reason not to delete"). */
export const REASON_NOUNS = merged([], (l) => l.reasonNouns);
/** Verbs that make a gerund or infinitive opening the sentence its subject ("Deleting X would be …"). */
export const SUBJECT_PREDICATES = merged([], (l) => l.subjectPredicates);
/** Openers presenting material after a colon ("here is the cron entry: …"). */
export const PRESENTATIVES = merged([], (l) => l.presentatives);
/** Articles, demonstratives and possessives opening a subject, in the languages whose imperative has none. */
export const SUBJECT_LEADS = LANGUAGES.flatMap((l) =>
  l.subjectLeads.length > 0 ? [...l.determiners, ...l.subjectLeads] : [],
);
/** Actions that are requests only at the head of their clause or after a request opener ("lose"). */
export const IMPERATIVE_ONLY = merged([], (l) => l.imperativeOnly);
/** Nouns of time ("noche", "Abend"): a phrase of one opening a clause is an adverbial, not a subject. */
export const TIME_NOUNS = merged([], (l) => l.timeNouns);
/** Words opening a wish ("Que …"): a state change in one is requested. */
export const OPTATIVES = merged([], (l) => l.optatives);
/** Separable verbs: "verb particle" → action (German "Fahre den Server herunter"). */
export const SEPARABLE: Readonly<Record<string, string>> = Object.assign(
  {},
  ...LANGUAGES.map((l) => l.separable),
);
/** Sentence-opening imperatives spelt like function words: word → {action, language}s ("para": stop). */
export const INITIAL_VERBS = new Map<string, { action: string; language: string }[]>();
for (const l of LANGUAGES)
  for (const [w, action] of Object.entries(l.initialVerbs))
    INITIAL_VERBS.set(w, [...(INITIAL_VERBS.get(w) ?? []), { action, language: l.language }]);
/** Words after an action that negate it (Japanese しないで). */
export const POST_NEGATIONS = merged([], (l) => l.postNegations);
/** Words that make a sentence about an operation, not a request to perform it ("forbid", "test"). */
export const ABOUT = merged([], (l) => l.about);
/** Words making a quotation beside them material to work on ("translate '…'", "the button 「…」"). */
export const CONTENT_WORDS = merged(CONTENT_VERBS, (l) => l.contentWords);
/** Third-person subject pronouns: an action right after one is described, not requested. */
export const SUBJECT_PRONOUNS = merged([], (l) => l.subjectPronouns);
/** Negation particles that pair with another negation word instead of cancelling it (French "ne"). */
export const NEGATION_PARTICLES = merged([], (l) => l.negationParticles);
/** Sentence-final words making a question a polite request (Japanese してもらえますか). */
export const REQUEST_CLOSERS = merged([], (l) => l.requestClosers);
/** "Do it": carry out what the previous question described. */
export const DO_IT = merged([], (l) => l.doIt);
/** Phrases asking to act on content the agent read ("do what the document says"). */
export const ACT_ON_DATA = merged([], (l) => l.actOnData);
/** Adverbs that turn taking something down into deleting it. */
export const PERMANENT = merged([], (l) => l.permanent);
/** Nouns that, right after an object word, are the real head of the noun phrase ("node process"). */
export const HEAD_NOUNS = merged([], (l) => l.headNouns);
/** Report markers: words that make a clause a report of the past ("was", "yesterday", 被). */
export const REPORT_MARKERS = merged([], (l) => l.report);
/** Past participles that report unless a modal precedes (German "gelöscht"). */
export const PAST_PARTICIPLES = merged([], (l) => l.pastParticiples);
/** Endings of simple past forms ("-ed", "eliminó", "apagou"): a report unless wanted done. */
export const PAST_ENDINGS = merged(['ed'], (l) => l.pastEndings);
/** Particles after a verb reporting it done (Chinese 了): a report unless a backward marker asks. */
export const PERFECTIVE = merged([], (l) => l.perfective);
/** Passive auxiliaries: an action right after one takes the object before it ("should be dropped"). */
export const PASSIVE_AUXILIARIES = merged(['be'], (l) => l.passiveAuxiliaries);
/** Linkers between a modifier and its head noun (Chinese 的, Japanese の). */
export const LINKERS = merged([], (l) => l.linkers);
/** Auxiliaries and particles skipped after a verb-final action. */
export const TRAILING = merged([], (l) => l.trailing);
/** Markers after which the object precedes the verb (Chinese 把). */
export const BACKWARD_MARKERS = merged([], (l) => l.backwardMarkers);
/** Action phrase → the only objects it applies to ("format" formats volumes, not strings). */
export const ACTION_RESTRICTIONS: Readonly<Record<string, readonly string[]>> = Object.assign(
  {},
  ...LANGUAGES.map((l) => l.restrict),
);
/** Words of languages written without spaces, matched longest-first before ICU segmentation. */
export const CJK_WORDS: readonly string[] = LANGUAGES.filter((l) => l.script === 'cjk').flatMap((l) => [
  ...Object.values(l.actions).flat(),
  ...Object.values(l.objects).flat(),
  ...Object.keys(l.restrict),
  ...LISTS_OF(l),
]);
function LISTS_OF(l: Language): string[] {
  return [
    ...l.negations,
    ...l.negationCancellers,
    ...l.modals,
    ...l.postNegations,
    ...l.about,
    ...l.interrogatives,
    ...l.requestOpeners,
    ...l.requestClosers,
    ...l.doIt,
    ...l.actOnData,
    ...l.permanent,
    ...l.headNouns,
    ...l.contentWords,
    ...l.report,
    ...l.trailing,
    ...l.passiveAuxiliaries,
    ...l.linkers,
    ...l.backwardMarkers,
    ...l.conditionals,
    ...l.stopwords,
    ...l.subordinators,
    ...l.prepositions,
    ...l.coordinators,
    ...l.placeholders,
    ...l.timeNouns,
  ];
}
/** Compound rules (German): known heads that may close a longer word. */
export const COMPOUNDS = LANGUAGES.flatMap((l) =>
  l.compounds
    ? [
        {
          ...l.compounds,
          heads: [
            ...l.compounds.heads,
            ...Object.values(l.objects)
              .flat()
              .filter((w) => !w.includes(' ') && w.length >= 4),
          ],
        },
      ]
    : [],
);

/**
 * The object hierarchy: object → the object that contains it. A policy naming an object also
 * matches its descendants that were once folded into it (see docs/intents.md); row and column
 * are narrower still and stay separate, as they always were.
 */
export const OBJECT_PARENTS = CORE.objectParents;
