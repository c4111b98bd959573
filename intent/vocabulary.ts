// Loads and validates the language-independent vocabulary of intent matching: the English core
// (intent/data/core.json: actions, objects, word classes, the object hierarchy) and what the shell
// and tool-call readers know (intent/data/commands.json). A malformed file fails at start-up with
// its name and the entry, like a language file (languages.ts).
import { readFileSync } from 'node:fs';
import { LanguageDataError } from './languages.js';

export const DATA_DIR = new URL('./data/', import.meta.url).pathname;

type Words = readonly string[];
type Table = Readonly<Record<string, Words>>;
type Names = Readonly<Record<string, string>>;

/**
 * What the shell knows about a command. The command path is the leading positional arguments
 * (flags and their values removed) up to `depth`; its words give the action and object, and the
 * remaining arguments are names, never prose.
 */
export interface CommandSpec {
  /** Object the command acts on when its path names none. */
  object?: string;
  /** Action of the bare command (`rm` deletes). */
  action?: string;
  /** Arguments are data (patterns, text, paths): the command carries no intent. */
  inert?: boolean;
  /** Leading positional arguments that form the command path (default 0: the bare command). */
  depth?: number;
  /** Path word → object, ahead of the lexicon (`az group` is a resource group). */
  objects?: Names;
  /** Path word → action or `action:object`, ahead of the lexicon (`helm ls` reads). */
  verbs?: Names;
  /** `verb flag` or `flag` → action or `action:object` (`terraform apply -destroy`, `git push -f`). */
  flags?: Names;
  /** Path words that make the command a preview or a question (`terraform plan`, `kubectl auth`). */
  preview?: Words;
  /** Arguments may be SQL, Redis or Mongo statements (`psql -c '…'`). */
  store?: boolean;
  /** Flags naming objects count (`docker system prune --volumes`). */
  flagObjects?: boolean;
  /** Arguments naming devices or logs refine the object (`/dev/sdb` → volume). */
  paths?: boolean;
}

/** intent/data/core.json: the English core (stemmed before lookup: one inflection suffices). */
export interface CoreVocabulary {
  actions: Table;
  objects: Table;
  weakObjects: Words;
  impliedObjects: Names;
  stopMeansDisable: Words;
  idioms: Words;
  senseContext: Words;
  ambiguousObjects: Words;
  negations: Words;
  negationCancellers: Words;
  negationEnders: Words;
  interrogatives: Words;
  questionOpeners: Words;
  requestOpeners: Words;
  invokers: Words;
  modals: Words;
  stopwords: Words;
  determiners: Words;
  quantifiers: Words;
  particles: Words;
  coordinators: Words;
  subordinators: Words;
  conditionals: Words;
  pronouns: Words;
  prepositions: Words;
  contentTools: Words;
  contentVerbs: Words;
  placeholders: Words;
  /** Prepositions of a destination: after "go" they name where to, not a clause's end ("go to S3"). */
  directions: Words;
  objectParents: Names;
}

/** intent/data/commands.json: command specs and tool-call argument keys. */
export interface CommandVocabulary {
  verbKeys: Words;
  kindKeys: Words;
  urlKeys: Words;
  httpMethods: Names;
  kubeResources: Names;
  commands: Readonly<Record<string, CommandSpec>>;
  inertCommands: Words;
  wrappers: Words;
}

const CORE_TABLES = ['actions', 'objects'] as const;
const CORE_NAMES = ['impliedObjects', 'objectParents'] as const;
const CORE_LISTS = [
  'weakObjects',
  'stopMeansDisable',
  'idioms',
  'senseContext',
  'ambiguousObjects',
  'negations',
  'negationCancellers',
  'negationEnders',
  'interrogatives',
  'questionOpeners',
  'requestOpeners',
  'invokers',
  'modals',
  'stopwords',
  'determiners',
  'quantifiers',
  'particles',
  'coordinators',
  'subordinators',
  'conditionals',
  'pronouns',
  'prepositions',
  'contentTools',
  'contentVerbs',
  'placeholders',
  'directions',
] as const;
const COMMAND_LISTS = ['verbKeys', 'kindKeys', 'urlKeys', 'inertCommands', 'wrappers'] as const;
const SPEC_NAMES = ['objects', 'verbs', 'flags'] as const;
const SPEC_KEYS = new Set([
  ...SPEC_NAMES,
  'object',
  'action',
  'inert',
  'depth',
  'preview',
  'store',
  'flagObjects',
  'paths',
]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function words(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw new LanguageDataError(`${where}: expected a list of words`);
  return v.map((w, i) => {
    if (typeof w !== 'string' || w.trim() === '' || w.length > 60)
      throw new LanguageDataError(
        `${where}[${i}]: expected a word or short phrase, got ${JSON.stringify(w)}`,
      );
    return w;
  });
}

function names(v: unknown, where: string, values?: ReadonlySet<string>): Record<string, string> {
  if (!isRecord(v)) throw new LanguageDataError(`${where}: expected {word: name}`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new LanguageDataError(`${where}.${k}: expected a string`);
    if (values && !values.has(x)) throw new LanguageDataError(`${where}.${k}: unknown "${x}"`);
  }
  return v as Record<string, string>;
}

function table(v: unknown, where: string): Record<string, string[]> {
  if (!isRecord(v)) throw new LanguageDataError(`${where}: expected {name: [words]}`);
  return Object.fromEntries(Object.entries(v).map(([k, list]) => [k, words(list, `${where}.${k}`)]));
}

function parse(file: string, source: string, keys: ReadonlySet<string>): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (e) {
    throw new LanguageDataError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) throw new LanguageDataError(`${file}: expected an object`);
  for (const k of Object.keys(doc))
    if (!keys.has(k)) throw new LanguageDataError(`${file}: unknown key "${k}"`);
  for (const k of keys)
    if (k !== 'note' && doc[k] === undefined) throw new LanguageDataError(`${file}: missing "${k}"`);
  return doc;
}

/** Parses and checks core.json: every list of words, objects named in the hierarchy and implications. */
export function parseCore(file: string, source: string): CoreVocabulary {
  const doc = parse(file, source, new Set(['note', ...CORE_TABLES, ...CORE_NAMES, ...CORE_LISTS]));
  const out: Record<string, unknown> = {};
  for (const k of CORE_TABLES) out[k] = table(doc[k], `${file}: ${k}`);
  const objects = new Set(Object.keys(out.objects as Table));
  for (const k of CORE_NAMES) out[k] = names(doc[k], `${file}: ${k}`, objects);
  for (const k of CORE_LISTS) out[k] = words(doc[k], `${file}: ${k}`);
  for (const k of ['weakObjects', 'ambiguousObjects'] as const) {
    const all = new Set(Object.values(out.objects as Table).flat());
    for (const w of out[k] as Words)
      if (!all.has(w)) throw new LanguageDataError(`${file}: ${k}: "${w}" is not an object word`);
  }
  for (const w of out.stopMeansDisable as Words)
    if (!objects.has(w)) throw new LanguageDataError(`${file}: stopMeansDisable: unknown object "${w}"`);
  return out as unknown as CoreVocabulary;
}

/** Parses and checks commands.json; a command given as a string is an alias of another command. */
export function parseCommands(
  file: string,
  source: string,
  actions: ReadonlySet<string>,
  objects: ReadonlySet<string>,
): CommandVocabulary {
  const doc = parse(
    file,
    source,
    new Set(['note', ...COMMAND_LISTS, 'httpMethods', 'kubeResources', 'commands']),
  );
  const out: Record<string, unknown> = {};
  for (const k of COMMAND_LISTS) out[k] = words(doc[k], `${file}: ${k}`);
  out.httpMethods = names(doc.httpMethods, `${file}: httpMethods`, actions);
  const kube = names(doc.kubeResources, `${file}: kubeResources`, objects);
  out.kubeResources = kube;
  if (!isRecord(doc.commands)) throw new LanguageDataError(`${file}: commands: expected {program: spec}`);
  const raw = doc.commands;
  const specs: Record<string, CommandSpec> = {};
  // An action, an object, "action:object", or "" (the word is known and names nothing).
  const meaning = (x: string) => {
    const [a, o] = x.split(':');
    return (
      x === '' || (o === undefined ? actions.has(a) || objects.has(a) : actions.has(a) && objects.has(o))
    );
  };
  for (const [program, value] of Object.entries(raw)) {
    const where = `${file}: commands.${program}`;
    if (typeof value === 'string') continue;
    if (!isRecord(value))
      throw new LanguageDataError(`${where}: expected a spec or the name of another command`);
    const spec: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!SPEC_KEYS.has(k)) throw new LanguageDataError(`${where}: unknown key "${k}"`);
      if (k === 'objects' && v === 'kubeResources') spec[k] = kube;
      else if ((SPEC_NAMES as readonly string[]).includes(k)) {
        const m = names(v, `${where}.${k}`);
        for (const [w, x] of Object.entries(m))
          if (!meaning(x)) throw new LanguageDataError(`${where}.${k}.${w}: unknown "${x}"`);
        spec[k] = m;
      } else if (k === 'preview') spec[k] = words(v, `${where}.preview`);
      else if (k === 'depth') {
        if (!Number.isInteger(v) || (v as number) < 0)
          throw new LanguageDataError(`${where}.depth: expected a count`);
        spec[k] = v;
      } else if (k === 'object' || k === 'action') {
        if (typeof v !== 'string' || !(k === 'object' ? objects : actions).has(v))
          throw new LanguageDataError(`${where}.${k}: unknown ${k} ${JSON.stringify(v)}`);
        spec[k] = v;
      } else {
        if (typeof v !== 'boolean') throw new LanguageDataError(`${where}.${k}: expected true or false`);
        spec[k] = v;
      }
    }
    specs[program] = spec as CommandSpec;
  }
  for (const [program, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    const target = specs[value];
    if (target === undefined)
      throw new LanguageDataError(`${file}: commands.${program}: "${value}" is not a command with a spec`);
    specs[program] = target;
  }
  out.commands = specs;
  return out as unknown as CommandVocabulary;
}

/** The core vocabulary, read from intent/data/core.json. */
export function loadCore(dir = DATA_DIR): CoreVocabulary {
  return parseCore('core.json', readFileSync(`${dir}core.json`, 'utf8'));
}

/** The command vocabulary, read from intent/data/commands.json and checked against the core's names. */
export function loadCommands(core: CoreVocabulary, dir = DATA_DIR): CommandVocabulary {
  return parseCommands(
    'commands.json',
    readFileSync(`${dir}commands.json`, 'utf8'),
    new Set(Object.keys(core.actions)),
    new Set(Object.keys(core.objects)),
  );
}
