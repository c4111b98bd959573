// Shell commands for the intent canonicalizer: command lines, known CLIs and HTTP calls to `action:object` pairs.

import * as L from './lexicon.js';
import { type ProseReader, pair } from './prose.js';
import { looksLikeStore, storePairs } from './sql.js';

/**
 * What reading commands needs from the canonicalizer: word lookups, and reading a script's name
 * (`./drop_db.sh`) as words, the way a policy phrase is read (without its hierarchy expansion).
 */
export interface CommandReader extends Pick<ProseReader, 'actionOf' | 'objectOf' | 'meaning'> {
  name(text: string): string[];
  /** Everything a text means (prose, SQL, commands, code): for strings a wrapper runs. */
  pairs(text: string): string[];
}

const FIRST_WORD = /^\s*(\S{1,200})/;
const CJK_TEXT = /[\u3040-\u30ff\u3400-\u9fff]/;

interface ShellWord {
  text: string;
  /** An operator or redirection (`>`), not an argument. */
  op: boolean;
}

/**
 * Splits a command line into simple commands (on `;`, `&&`, `||`, `|`, `&`, newlines), honouring
 * quotes; `piped` gets the indexes of commands whose output a single `|` sends to the next one.
 */
function shellCommands(s: string, piped?: Set<number>): ShellWord[][] {
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
      if (c === '|' && s[i + 1] !== '|' && s[i - 1] !== '|' && commands.length > 0)
        piped?.add(commands.length - 1);
      else if (c === '|' && s[i + 1] === '|') i++;
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

/**
 * Wrappers that run the rest of the line as a command after some positional arguments of their
 * own (`timeout 30 cmd`, `chroot /mnt cmd`), beyond the lexicon's flag-only WRAPPERS.
 */
const POSITIONAL_WRAPPERS: Readonly<Record<string, number>> = {
  timeout: 1,
  chroot: 1,
  flock: 1,
  stdbuf: 0,
  ionice: 0,
  setsid: 0,
  unbuffer: 0,
  command: 0,
  builtin: 0,
  caffeinate: 0,
  nsenter: 0,
  runuser: 0,
  chrt: 1,
  taskset: 1,
};

/** Index of the program word in a simple command: after `VAR=x` assignments and wrappers. */
function programIndex(words: ShellWord[]): number {
  let i = 0;
  while (i < words.length) {
    const t = words[i].text;
    const base = programOf(t);
    if (/^[A-Za-z_]\w*=/.test(t)) i++;
    else if (base !== undefined && base in POSITIONAL_WRAPPERS && words.length > i + 1) {
      i++;
      while (i < words.length && words[i].text.startsWith('-')) i++;
      i += POSITIONAL_WRAPPERS[base];
    } else if (WRAPPER.has(t)) {
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
  // Chinese or Japanese words outside quotes: a sentence mentioning a command ("kubectl delete
  // namespace が何をするか説明して"), read as prose.
  const line = s
    .slice(0, 400)
    .split('\n', 1)[0]
    .replace(/'[^']*'|"[^"]*"/g, '');
  if (CJK_TEXT.test(line)) return false;
  const i = programIndex(first);
  const word = first[i]?.text ?? '';
  const program = programOf(word);
  if (program === undefined || word !== word.toLowerCase()) return false;
  const known =
    program in L.COMMANDS ||
    program in DATA_COMMANDS ||
    SHELLS.has(program) ||
    INTERPRETERS.has(program) ||
    program === 'eval' ||
    program === 'ssh' ||
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
    if (DATA_DIR.test(text)) out.push('database');
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
  if (prog === undefined || words.some((w) => w.text === '--help')) return;
  const args = words.slice(1);
  if (unwrapPairs(c, prog, args, depth, found)) return;
  if (INERT.has(prog)) return;
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
  let spec = L.COMMANDS[prog] ?? DATA_COMMANDS[prog];
  let path0 = args;
  if (spec === undefined) {
    // An unknown program: its own name can carry intent (`./drop_db.sh`); a subcommand-style
    // CLI reads like the known ones, the program name being part of the path.
    if (words[0].text.includes('/')) for (const p of c.name(prog.replace(/\.\w+$/, ''))) found.add(p);
    if (!genericCli(c, words)) return;
    spec = GENERIC_CLI;
    path0 = words;
  }
  if (spec.store) {
    for (const w of args) if (looksLikeStore(w.text)) for (const p of storePairs(w.text)) found.add(p);
    // An unquoted statement (`psql -c DROP DATABASE app` after a wrapper lost the quotes).
    const e = args.findIndex((w) => /^-(c|e|-command|-execute|-eval)$/.test(w.text));
    const joined =
      e >= 0
        ? args
            .slice(e + 1)
            .map((w) => w.text)
            .join(' ')
        : '';
    if (joined && looksLikeStore(joined)) for (const p of storePairs(joined)) found.add(p);
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
      // `-uroot` and `-it` carry their value (or are booleans) in the same word.
      const attached = !t.startsWith('--') && t.length > 2;
      if (
        !spec.paths &&
        !attached &&
        !t.includes('=') &&
        next !== undefined &&
        !next.startsWith('-') &&
        !spec.flags?.[t] &&
        // A word the command knows as a subcommand is not a flag's value (`mysqladmin -f drop`).
        spec.verbs?.[next.toLowerCase()] === undefined
      )
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
  if (spec.paths) for (const o of pathObjects(args)) objects.push(o);
  const headIndex = objects.length - 1;
  for (let k = 0; k < objects.length; k++) {
    if (k === headIndex || spec.paths || spec.flagObjects) found.add(pair(action, objects[k]));
  }
}

/** Pairs of a shell command line. */
export function commandPairs(c: CommandReader, s: string, depth = 0): string[] {
  const found = new Set<string>();
  lineProgramPairs(c, s, depth, found);
  return [...found].sort();
}

const HEREDOC = /<<[-~]?\s*(['"]?)([A-Za-z_]\w*)\1[^\n]*\n([\s\S]*?)\n[ \t]*\2[ \t]*(?=\n|$)/g;
const SUBSTITUTION = /\$\(((?:[^()]|\([^()]*\))*)\)|`([^`]+)`/g;

/**
 * A command line as a program: heredoc bodies and `$(…)`/backtick substitutions are run too, text
 * printed into a shell (`echo … | sh`) is a command, and each simple command is unwrapped.
 */
function lineProgramPairs(c: CommandReader, line: string, depth: number, found: Set<string>): void {
  if (depth > 4) return;
  let s = line;
  if (s.includes('<<')) {
    // The body is what the receiving program reads: a script for a shell, SQL for psql.
    s = s.replace(HEREDOC, (_m, _q, _tag, body: string) => {
      for (const p of c.pairs(body)) found.add(p);
      return '';
    });
  }
  if (s.includes('$(') || s.includes('`')) {
    for (const m of s.matchAll(SUBSTITUTION)) lineProgramPairs(c, m[1] ?? m[2], depth + 1, found);
  }
  const piped = new Set<number>();
  const commands = shellCommands(s, piped);
  for (const [k, words] of commands.entries()) {
    simpleCommandPairs(c, words, depth, found);
    const next = commands[k + 1];
    if (!piped.has(k) || next === undefined) continue;
    const into = programOf(next[programIndex(next)]?.text ?? '');
    const from = programOf(words[programIndex(words)]?.text ?? '');
    if (into === undefined || from === undefined) continue;
    // `echo 'kubectl delete ns prod' | sh`: what is printed is what the shell runs.
    if ((SHELLS.has(into) || INTERPRETERS.has(into)) && (from === 'echo' || from === 'printf')) {
      const printed = words
        .slice(programIndex(words) + 1)
        .filter((w) => !w.op && !/^-[neE]+$/.test(w.text))
        .map((w) => w.text)
        .join(' ');
      for (const p of SHELLS.has(into) ? commandPairs(c, printed, depth + 1) : codePairs(c, printed))
        found.add(p);
    }
  }
}

/** Programs that run a command string (`-c`) or their standard input as a shell script. */
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'fish', 'busybox', 'su', 'csh', 'tcsh']);
/** Interpreters whose `-c`/`-e` argument is a program (`python3 -c "import os; os.system(…)"`). */
const INTERPRETERS = new Set([
  'python',
  'python2',
  'python3',
  'node',
  'nodejs',
  'deno',
  'bun',
  'perl',
  'ruby',
  'php',
  'pwsh',
  'powershell',
  'osascript',
]);
/** Flags of `ssh` that take a value (the first other positional is the host). */
const SSH_VALUE_FLAGS = /^-[bcDEeFIiJLlmOopQRSWw]$/;
/** Flags of `docker|podman exec|run` that take a value. */
const CONTAINER_VALUE_FLAGS = new Set([
  '-e',
  '--env',
  '-u',
  '--user',
  '-w',
  '--workdir',
  '--name',
  '-v',
  '--volume',
  '-p',
  '--publish',
  '--entrypoint',
  '--network',
  '--net',
  '-l',
  '--label',
  '--env-file',
  '--mount',
  '--platform',
  '--detach-keys',
  '-h',
  '--hostname',
]);

/**
 * Data-destroying programs the lexicon's COMMANDS lacks, kept here with the unwrapping that finds
 * them (`mysqladmin drop app`, `pg_dropcluster 16 main`).
 */
const DATA_COMMANDS: Readonly<Record<string, L.CommandSpec>> = {
  mysqladmin: {
    depth: 1,
    object: 'database',
    verbs: {
      drop: 'delete:database',
      create: 'create:database',
      shutdown: 'stop:database',
      status: 'read',
      ping: 'read',
    },
  },
  pg_dropcluster: { action: 'delete', object: 'database' },
  pg_ctlcluster: { depth: 3, object: 'database', verbs: { stop: 'stop:database', status: 'read' } },
  pg_ctl: {
    depth: 1,
    object: 'database',
    verbs: { stop: 'stop:database', kill: 'stop:database', status: 'read' },
  },
  dropuser: { action: 'delete', object: 'user' },
  etcdctl: {
    depth: 1,
    object: 'database',
    verbs: { del: 'delete:database', get: 'read', put: 'modify:database' },
  },
};

/** Directories holding a database's files: deleting them deletes the database. */
const DATA_DIR =
  /(^|\/)var\/lib\/(postgresql|pgsql|mysql|mariadb|mongodb|mongo|redis|etcd|cassandra|elasticsearch|clickhouse|influxdb|couchdb|neo4j|rabbitmq)(\/|$)|(^|\/)(pgdata|pg_wal|\$PGDATA)(\/|$)/i;

/** Flags the `-c`/`-e` program string follows, per runner family. */
function programFlagIndex(args: ShellWord[], flags: RegExp): number {
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (!t.startsWith('-')) return -1;
    if (flags.test(t)) return k + 1;
  }
  return -1;
}

/** The words after the first positional, skipping flags (and the values of `valueFlag` ones). */
function afterTarget(args: ShellWord[], valueFlag: (t: string) => boolean): ShellWord[] | undefined {
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (t === '--') return args.slice(k + 1);
    if (t.startsWith('-')) {
      if (!t.includes('=') && valueFlag(t)) k++;
      continue;
    }
    return args.slice(k + 1);
  }
  return undefined;
}

/**
 * Runs the program a wrapper runs (`bash -c`, `eval`, `python3 -c`, `kubectl exec … --`,
 * `docker exec`, `ssh host '…'`); returns true when `prog` was such a wrapper.
 */
function unwrapPairs(
  c: CommandReader,
  prog: string,
  args: ShellWord[],
  depth: number,
  found: Set<string>,
): boolean {
  const text = (ws: ShellWord[]) =>
    ws
      .filter((w) => !w.op)
      .map((w) => w.text)
      .join(' ');
  const add = (pairs: string[]) => {
    for (const p of pairs) found.add(p);
  };
  if (SHELLS.has(prog)) {
    const k = programFlagIndex(args, /^-[a-z]*c[a-z]*$/);
    if (k > 0 && args[k]) add(depth < 4 ? commandPairs(c, args[k].text, depth + 1) : []);
    return true;
  }
  if (prog === 'eval') {
    add(commandPairs(c, text(args), depth + 1));
    return true;
  }
  if (INTERPRETERS.has(prog)) {
    const k = programFlagIndex(args, /^(-[a-zA-Z]*[ce]|--eval|-Command|-command|-p|--print)$/);
    if (k > 0 && args[k]) add(codePairs(c, args[k].text));
    return k > 0;
  }
  if (
    (prog === 'kubectl' || prog === 'oc' || prog === 'k') &&
    /^(exec|debug|run)$/.test(args[0]?.text ?? '')
  ) {
    const dash = args.findIndex((w) => w.text === '--');
    if (dash >= 0) {
      found.add('execute:pod');
      const inner = args.slice(dash + 1);
      simpleCommandPairs(c, inner, depth + 1, found);
      return true;
    }
    return false;
  }
  if (
    (prog === 'docker' || prog === 'podman' || prog === 'nerdctl') &&
    /^(exec|run)$/.test(args[0]?.text ?? '')
  ) {
    const inner = afterTarget(args.slice(1), (t) => CONTAINER_VALUE_FLAGS.has(t));
    if (inner && inner.length > 0) simpleCommandPairs(c, inner, depth + 1, found);
    return true;
  }
  if (prog === 'ssh') {
    const inner = afterTarget(args, (t) => SSH_VALUE_FLAGS.test(t));
    // The remote command is a shell string, joined as ssh joins it.
    if (inner && inner.length > 0) add(commandPairs(c, text(inner), depth + 1));
    return true;
  }
  return false;
}

const CODE_STRING = /(["'])((?:\\.|(?!\1)[^\\\n])*)\1/g;
const CODE_CALL = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(/g;

/**
 * Pairs of a program in a scripting language: calls whose identifier names an action on an object
 * (`delete_namespace(name='prod')`, `v1.deleteNamespacedPod(…)`), and string literals run as
 * commands, SQL or read as text (`os.system("kubectl delete ns prod")`).
 */
export function codePairs(c: CommandReader, code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(CODE_CALL)) {
    const name = m[1].split('.').pop() ?? '';
    // Only compound identifiers: a lone `delete(` or `drop(` says nothing about what is deleted.
    if (!/[_$]|[a-z][A-Z]/.test(name)) continue;
    const meaning = c.meaning(name);
    if (meaning.actions.length > 0 && meaning.head) for (const p of c.name(name)) found.add(p);
  }
  for (const m of code.matchAll(CODE_STRING)) {
    const lit = m[2];
    if (lit.length < 4 || !/\s/.test(lit)) continue;
    for (const p of c.pairs(lit)) found.add(p);
  }
  // `subprocess.run(["kubectl", "delete", "ns", "prod"])`: an argument vector of literals.
  for (const m of code.matchAll(/\[\s*((?:["'][^"'\n]*["']\s*,\s*)+["'][^"'\n]*["'])\s*\]/g)) {
    const argv = [...m[1].matchAll(/["']([^"'\n]*)["']/g)].map((x) => x[1]);
    for (const p of commandPairs(c, argv.join(' '))) found.add(p);
  }
  return [...found].sort();
}

const CODE_HINT =
  /^\s*(import\s+[\w.]+|from\s+[\w.]+\s+import\b|const\s+\w+\s*=|let\s+\w+\s*=|def\s+\w+\(|require\(|#!\/)|^\s*[\w$]+(\.[\w$]+)+\s*\(.*\)\s*;?\s*$/m;

/** Whether a text reads as source code (imports, definitions, or a line that is one call). */
export function looksLikeCode(s: string): boolean {
  return CODE_HINT.test(s.length > 4000 ? s.slice(0, 4000) : s);
}
