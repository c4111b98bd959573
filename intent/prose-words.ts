// The word classes prose reading works with: the lexicon's lists as stemmed sets (negations,
// question cues, determiners, request openers, …) and the distances rules look across.
import * as L from './lexicon.js';
import { type Item, phraseKey } from './lexing.js';

/** How many content words (stop words excluded) may separate an action from its object. */
export const WINDOW = 3;
/** How many tokens before an action a negation still applies to it. */
export const NEGATION_REACH = 6;
/** How many items back a pronoun ("delete it") looks for the object it stands for. */
export const PRONOUN_REACH = 60;
/** How many items any look-back or look-ahead scans at most (keeps the whole pass linear). */
export const LOOK = 16;

export const stems = (words: readonly string[]) => new Set(words.map((w) => phraseKey(w)));
export const STOP = stems(L.STOPWORDS);
export const NEGATE = stems(L.NEGATIONS);
export const CANCEL = stems(L.NEGATION_CANCELLERS);
export const NEG_END = stems(L.NEGATION_ENDERS);
export const PREPOSITION = stems(L.PREPOSITIONS);
export const INTERROGATIVE = stems(L.INTERROGATIVES);
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
export const DETERMINER = stems(L.DETERMINERS);
export const QUANTIFIER = stems(L.QUANTIFIERS);
export const PARTICLE = stems(L.PARTICLES);
export const COORDINATOR = stems(L.COORDINATORS);
export const PRONOUN = new Set(L.PRONOUNS);
export const SUBORDINATOR = stems(L.SUBORDINATORS);
export const CONTENT_TOOL = stems(L.CONTENT_TOOLS);
export const CONTENT_VERB = stems(L.CONTENT_VERBS);
export const PLACEHOLDER = stems(L.PLACEHOLDERS);
export const CONTAINER_PREPOSITION = stems(['in', 'from', 'on', 'inside', 'within', 'of']);
export const ADJECTIVE_LEAD = new Set([...QUANTIFIER, ...stems(['every', 'these', 'those'])]);
export const VERB_FINAL = stems(L.VERB_FINAL);
export const POST_NEGATE = stems(L.POST_NEGATIONS);
export const STATE_CHANGE = stems(L.STATE_CHANGE);
export const DIRECTIVE = stems(L.DIRECTIVES);
export const ABOUT = stems(L.ABOUT);
export const REQUEST_CLOSER = stems(L.REQUEST_CLOSERS);
export const DO_IT = [...stems(L.DO_IT)];
export const PERMANENT = stems(L.PERMANENT);
export const PERMANENT_WORDS = new Set([...PERMANENT].flatMap((k) => k.split(' ')));
/** Surface forms (plurals listed): stems would confuse "named" with "name". */
export const HEAD_NOUN = new Set(L.HEAD_NOUNS.map((w) => w.toLowerCase()));
export const REPORT = stems(L.REPORT_MARKERS);
export const TRAILING = stems(L.TRAILING);
export const BACKWARD_MARKER = stems(L.BACKWARD_MARKERS);
export const SEPARABLE = new Map(
  Object.entries(L.SEPARABLE).map(([k, v]) => {
    const [verb, particle] = k.split(' ');
    return [`${phraseKey(verb)} ${phraseKey(particle)}`, v];
  }),
);
/** First words of separable verbs: the clause scan runs only when one occurs. */
export const SEPARABLE_VERB = new Set([...SEPARABLE.keys()].map((k) => k.split(' ')[0]));
export const CJK_WORD = /[\u3040-\u30ff\u3400-\u9fff]/;
export const RESTRICT = new Map(
  Object.entries(L.ACTION_RESTRICTIONS).map(([k, v]) => [phraseKey(k), new Set(v)]),
);
export const SENSE = stems(L.SENSE_CONTEXT);
export const AMBIGUOUS = stems(L.AMBIGUOUS_OBJECTS);
export const WEAK = stems(L.WEAK_OBJECTS);
export const IMPLIED = new Map(Object.entries(L.IMPLIED_OBJECTS).map(([k, v]) => [phraseKey(k), v]));
/** Surface forms listed in the lexicon: "shred" ends in -ed but is not a past tense. */
export const LEXICON_SURFACE = new Set(
  Object.values(L.ACTIONS)
    .flat()
    .flatMap((p) => p.toLowerCase().split(' ')),
);

export const CONDITIONAL = stems(['if', 'whenever', 'unless']);
export const WISH = stems(['want', 'need', 'like', 'have', 'get', 'prefer', 'wish']);

/** Whether an action word is a past form ("dropped"); "shred" ends in -ed but is listed as is. */
export function isPast(it: Item): boolean {
  return it.w.endsWith('ed') && !LEXICON_SURFACE.has(it.w);
}
