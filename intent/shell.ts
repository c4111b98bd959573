// Shell commands for the intent canonicalizer: command lines, known CLIs and HTTP calls to `action:object` pairs.

import * as L from './lexicon.js';
import { type ProseReader, pair } from './prose.js';
import { looksLikeStore, storePairs } from './sql.js';

/**
 * What reading commands needs from the canonicalizer: word lookups, and reading a script's name
 * (`./drop_db.sh`) as a policy phrase.
 */
export interface CommandReader extends Pick<ProseReader, 'actionOf' | 'objectOf' | 'meaning'> {
  phrase(text: string): string[];
}

const FIRST_WORD = /^\s*(\S{1,200})/;

interface ShellWord {
  text: string;
  /** An operator or redirection (`>`), not an argument. */
  op: boolean;
}

/** Splits a command line into simple commands (on `;`, `&&`, `||`, `|`, `&`, newlines), honouring quotes. */
function shellCommands(s: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let cur = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push({ text: cur, op: false });
    cur = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < s.length && commands.length < 256; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      cur += s.slice(i + 1, end < 0 ? s.length : end);
      inWord = true;
      i = end < 0 ? s.length : end;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (c === ';' || c === '|' || c === '&' || c === '\n') {
      endCommand();
    } else if (c === '>' || c === '<') {
      endWord();
      words.push({ text: c, op: true });
      if (s[i + 1] === '>') i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
    } else {
      cur += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

const INERT = new Set(L.INERT_COMMANDS);
const WRAPPER = new Set(L.WRAPPERS);
/** Second words that make a line starting with a program name English ("find the volumes"). */
const PROSE_SECOND = new Set([
  'the',
  'a',
  'an',
  'me',
  'us',
  'it',
  'them',
  'my',
  'our',
  'your',
  'sure',
  'out',
  'ahead',
  'all',
]);
const ENGLISH = new Set([
  ...PROSE_SECOND,
  'and',
  'to',
  'of',
  'you',
  'i',
  'is',
  'are',
  'please',
  'this',
  'that',
  'with',
]);
const PROGRAM = /^(?:[\w.-]*\/)?([a-z][\w.+-]*)$/;

function programOf(word: string): string | undefined {
  const m = PROGRAM.exec(word);
  if (!m) return undefined;
  return m[1].startsWith('mkfs') ? 'mkfs' : m[1];
}

/** Index of the program word in a simple command: after `VAR=x` assignments and wrappers. */
function programIndex(words: ShellWord[]): number {
  let i = 0;
  while (i < words.length) {
    const t = words[i].text;
    if (/^[A-Za-z_]\w*=/.test(t)) i++;
    else if (WRAPPER.has(t)) {
      i++;
      while (i < words.length && words[i].text.startsWith('-')) i += /^-[unIP]$/.test(words[i].text) ? 2 : 1;
    } else break;
  }
  return i;
}

/** Whether text is a shell command line: it starts with a known program and does not read as English. */
export function looksLikeCommand(c: CommandReader, s: string): boolean {
  const lead = FIRST_WORD.exec(s)?.[1] ?? '';
  const prog = programOf(lead);
  if (
    lead[0] !== '>' &&
    !WRAPPER.has(lead) &&
    !lead.includes('=') &&
    (prog === undefined || lead !== lead.toLowerCase())
  ) {
    return false;
  }
  const first = shellCommands(s.slice(0, 400))[0];
  if (first === undefined) return false;
  if (first[0].op) return first[0].text === '>';
  const i = programIndex(first);
  const word = first[i]?.text ?? '';
  const program = programOf(word);
  if (program === undefined || word !== word.toLowerCase()) return false;
  const known =
    program in L.COMMANDS ||
    INERT.has(program) ||
    program === 'find' ||
    program === 'dd' ||
    program === 'curl';
  if (!known && !word.includes('/')) return genericCli(c, first.slice(i));
  const second = first[i + 1]?.text;
  if (second !== undefined && PROSE_SECOND.has(second.toLowerCase())) return false;
  // Two or more English function words among the first arguments: a sentence ("go ahead and …").
  let english = 0;
  for (const w of first.slice(i + 1, i + 9)) if (ENGLISH.has(w.text.toLowerCase())) english++;
  return english < 2;
}

/**
 * Whether a line starting with an unknown program reads as a subcommand-style CLI
 * (`doctl compute droplet delete web-1 --force`): the program is not itself a verb, no English
 * function word appears, and some argument is a flag, a path or an assignment.
 */
function genericCli(c: CommandReader, words: ShellWord[]): boolean {
  if (words.length < 3 || words.some((w) => w.op)) return false;
  if (c.actionOf(words[0].text) !== undefined) return false;
  const args = words.slice(1, 12);
  if (args.some((w) => ENGLISH.has(w.text.toLowerCase()))) return false;
  return args.some((w) => /^-|[/=:]/.test(w.text));
}

/** The spec for an unknown subcommand-style CLI: the program and first arguments form the path. */
const GENERIC_CLI: L.CommandSpec = { depth: 4 };

/** Objects named by paths on a file-destroying command (`/dev/sdb` is a volume, `/var/log/x` a log). */
function pathObjects(words: ShellWord[]): string[] {
  const out: string[] = [];
  for (const { text } of words) {
    if (text.startsWith('/dev/') && !text.startsWith('/dev/null')) out.push('volume');
    if (/(^|\/)(var\/)?log(s)?(\/|$)|\.log$|syslog/.test(text)) out.push('log');
  }
  return out;
}

/** The action and object of an HTTP call from its method and URL path (`DELETE …/databases/x`). */
export function restPairs(c: CommandReader, method: string, url: string): string[] {
  const action = L.HTTP_METHODS[method.toLowerCase()];
  if (!action) return [];
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '').split(/[?#]/)[0];
  const { head } = c.meaning(path.split('/').filter(Boolean).slice(0, 12).join(' . '));
  return head ? [`${action}:${head}`] : [];
}

/** Pairs of one simple command. */
function simpleCommandPairs(c: CommandReader, all: ShellWord[], depth: number, found: Set<string>): void {
  if (depth > 4) return;
  if (all[0]?.op && all[0].text === '>' && all[1] !== undefined) {
    found.add('delete:file'); // `> file` truncates it
    for (const o of pathObjects(all.slice(1))) found.add(`delete:${o}`);
    return;
  }
  const start = programIndex(all);
  const words = all.slice(start).filter((w, k, arr) => !w.op && !(k > 0 && arr[k - 1].op));
  const prog = programOf(words[0]?.text ?? '');
  if (prog === undefined || INERT.has(prog) || words.some((w) => w.text === '--help')) return;
  const args = words.slice(1);
  if (prog === 'find') {
    if (args.some((w) => w.text === '-delete')) {
      found.add('delete:file');
      for (const o of pathObjects(args)) found.add(`delete:${o}`);
    }
    const exec = args.findIndex((w) => w.text === '-exec' || w.text === '-execdir' || w.text === '-ok');
    if (exec >= 0) simpleCommandPairs(c, args.slice(exec + 1), depth + 1, found);
    return;
  }
  if (prog === 'dd') {
    if (args.some((w) => /^of=\/dev\/(?!null)/.test(w.text))) found.add('delete:volume');
    return;
  }
  if (prog === 'curl') {
    const x = args.findIndex((w) => w.text === '-X' || w.text === '--request');
    const url = args.find((w) => /^https?:\/\//.test(w.text));
    if (x >= 0 && url && args[x + 1]) for (const p of restPairs(c, args[x + 1].text, url.text)) found.add(p);
    return;
  }
  let spec = L.COMMANDS[prog];
  let path0 = args;
  if (spec === undefined) {
    // An unknown program: its own name can carry intent (`./drop_db.sh`); a subcommand-style
    // CLI reads like the known ones, the program name being part of the path.
    if (words[0].text.includes('/')) for (const p of c.phrase(prog.replace(/\.\w+$/, ''))) found.add(p);
    if (!genericCli(c, words)) return;
    spec = GENERIC_CLI;
    path0 = words;
  }
  if (spec.store) {
    for (const w of args) if (looksLikeStore(w.text)) for (const p of storePairs(w.text)) found.add(p);
    return;
  }
  // Positional arguments: flags and, unless every flag is boolean (`rm -rf x`), their values.
  const positional: string[] = [];
  const flags: string[] = [];
  for (let k = 0; k < path0.length; k++) {
    const t = path0[k].text;
    const next = path0[k + 1]?.text;
    if (t.startsWith('-') && t.length > 1) {
      flags.push(t);
      if (!spec.paths && !t.includes('=') && next !== undefined && !next.startsWith('-') && !spec.flags?.[t])
        k++;
    } else positional.push(t);
  }
  let action = spec.action;
  let verb = '';
  const objects: string[] = [];
  let unknownNoun = false;
  const path = positional.slice(0, spec.depth ?? 0);
  for (let k = 0; k < path.length && !(action && objects.length > 0 && k > 0); k++) {
    const word = path[k].toLowerCase().split('/')[0];
    if (spec.preview?.includes(word)) return;
    const joined = k + 1 < path.length ? c.objectOf(`${word} ${path[k + 1].toLowerCase()}`) : undefined;
    if (joined && c.objectOf(word) !== joined) {
      objects.push(joined);
      k++;
      continue;
    }
    const fixedVerb = spec.verbs?.[word];
    const fixedObject = spec.objects?.[word] ?? spec.objects?.[word.replace(/s$/, '')];
    if (fixedVerb !== undefined) {
      verb = word;
      if (fixedVerb === '') continue;
      const [a, o] = fixedVerb.split(':');
      action = a;
      verb = word;
      if (o) objects.push(o);
    } else if (fixedObject !== undefined) {
      if (fixedObject !== '') objects.push(fixedObject);
    } else {
      const m = c.meaning(word.replace(/,/g, ' '));
      if (m.actions.length > 0) {
        action = m.actions[m.actions.length - 1];
        verb = word;
      }
      if (m.head) objects.push(m.head);
      if (m.actions.length === 0 && !m.head) unknownNoun = true;
    }
  }
  for (const f of flags) {
    const override = spec.flags?.[`${verb} ${f}`] ?? spec.flags?.[f];
    if (override) {
      const [a, o] = override.split(':');
      action = a;
      if (o) objects.push(o);
    }
    const flagObject = spec.flagObjects ? c.objectOf(f.replace(/^-+/, '')) : undefined;
    if (flagObject) objects.push(flagObject);
  }
  if (!action) return;
  if (objects.length === 0 && !unknownNoun && spec.object) objects.push(spec.object);
  if (spec.paths) objects.push(...pathObjects(args));
  const headIndex = objects.length - 1;
  for (let k = 0; k < objects.length; k++) {
    if (k === headIndex || spec.paths || spec.flagObjects) found.add(pair(action, objects[k]));
  }
}

/** Pairs of a shell command line. */
export function commandPairs(c: CommandReader, s: string): string[] {
  const found = new Set<string>();
  for (const words of shellCommands(s)) simpleCommandPairs(c, words, 0, found);
  return [...found].sort();
}
