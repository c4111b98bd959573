// Store statements for the intent canonicalizer: SQL, Redis and Mongo shell text to `action:object` pairs.
// Objects follow the hierarchy of docs/intents.md: a table (or collection) drop or truncation is
// `delete:table`, a schema (keyspace) drop `delete:schema`, only a database drop `delete:database`.

import { STOP } from './prose.js';

const SQL_VERBS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'drop',
  'truncate',
  'alter',
  'create',
  'grant',
]);
const SQL_KEYWORDS = new Set([
  ...SQL_VERBS,
  'revoke',
  'with',
  'begin',
  'start',
  'commit',
  'rollback',
  'explain',
  'analyze',
  'replace',
  'do',
  'execute',
  'exec',
  'prepare',
]);
/** What `DROP <kind>` deletes (other kinds — views, indexes, functions — only modify a database). */
const SQL_DROPPABLE: ReadonlyMap<string, string> = new Map([
  ['table', 'delete:table'],
  ['collection', 'delete:table'],
  ['schema', 'delete:schema'],
  ['keyspace', 'delete:schema'],
  ['database', 'delete:database'],
  ['user', 'delete:user'],
  ['role', 'delete:user'],
  ['login', 'delete:user'],
]);
const SQL_DDL_OBJECTS = new Set([
  ...SQL_DROPPABLE.keys(),
  'view',
  'index',
  'unique',
  'sequence',
  'function',
  'trigger',
  'type',
  'extension',
  'materialized',
  'temporary',
  'temp',
  'or',
  'if',
  'procedure',
]);
const MONGO = /^\s*db\.[\w$]+(?:\.[\w$]+)?\s*\(/;
const MONGO_CALL = /\.([\w$]{1,64})\s*\(\s*(\{\s*\}\s*\))?/g;
const REDIS = /^\s*(?:flushall|flushdb)\b/i;
const SQL_FIRST = /^\s*(--|\/\*|[A-Za-z_]{1,20})/;

/**
 * SQL words, lower-cased, with string literals as `'`, comments dropped and `;`, `(`, `)`, `,`
 * kept: words inside literals and comments carry no intent. One pass, bounded by the input.
 */
function sqlWords(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length && out.length < 10_000) {
    const c = s[i];
    if (c === '-' && s[i + 1] === '-') {
      while (i < s.length && s[i] !== '\n') i++;
    } else if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? s.length : end + 2;
    } else if (c === "'") {
      i++;
      while (i < s.length && !(s[i] === "'" && s[i + 1] !== "'")) i += s[i] === "'" ? 2 : 1;
      i++;
      out.push("'");
    } else if (c === ';' || c === '(' || c === ')' || c === ',') {
      out.push(c);
      i++;
    } else if (/[\p{L}\p{N}_$"`.]/u.test(c)) {
      let j = i;
      while (j < s.length && /[\p{L}\p{N}_$"`.]/u.test(s[j])) j++;
      out.push(s.slice(i, j).replace(/["`]/g, '').toLowerCase());
      i = j;
    } else i++;
  }
  return out;
}

const KANA = /[\u3040-\u30ff]/;

/** Whether a string is a SQL, Redis or Mongo shell statement rather than prose or a command. */
export function looksLikeStore(s: string): boolean {
  if (MONGO.test(s) || REDIS.test(s)) return true;
  const first = SQL_FIRST.exec(s)?.[1];
  if (first === undefined || (!SQL_KEYWORDS.has(first.toLowerCase()) && first !== '--' && first !== '/*'))
    return false;
  // Japanese kana or full-width punctuation outside quotes: a sentence mentioning a statement ("DROP DATABASE が何をするか
  // 説明して"), read as prose. Ideographs alone may be a table name ("DROP TABLE 用户").
  const statement = s
    .slice(0, 400)
    .split(/[;\n]/, 1)[0]
    .replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '');
  if (KANA.test(statement) || /[？。，！]/.test(statement)) return false;
  const head = sqlWords(s.slice(0, 400)).slice(0, 4);
  const [a, b, c] = head;
  if (a === undefined || !SQL_KEYWORDS.has(a)) return false;
  if (b !== undefined && STOP.has(b) && b !== 'if') return false; // "drop the table", "select the pods"
  switch (a) {
    case 'select':
      return b !== undefined;
    case 'insert':
    case 'replace':
      return b === 'into';
    case 'update':
      return c === 'set';
    case 'delete':
      return b === 'from';
    case 'drop':
    case 'create':
    case 'alter':
      return b !== undefined && SQL_DDL_OBJECTS.has(b);
    case 'truncate':
      return b === 'table' || c === undefined || c === ';' || c === ',' || c === 'restart' || c === 'cascade';
    case 'grant':
    case 'revoke':
      return head.includes('on') || (b !== undefined && SQL_VERBS.has(b));
    case 'with':
      return head.includes('as') || c === 'as';
    case 'do':
      // `DO $$ … $$`: an anonymous PL/pgSQL block.
      return b?.startsWith('$') === true;
    case 'execute':
    case 'exec':
    case 'prepare':
      return b === "'" || b === 'format' || b === 'immediate' || b === '(';
    case 'explain':
    case 'analyze':
      return b !== undefined && (SQL_KEYWORDS.has(b) || b === '(' || b === 'verbose');
    default:
      return b === undefined || b === ';' || b === 'transaction' || b === 'work';
  }
}

/** Pairs of one SQL statement (words from `sqlWords`, without the `;`). */
function sqlStatement(w: string[]): string | undefined {
  let i = 0;
  while (i < w.length && (w[i] === 'explain' || w[i] === 'analyze' || w[i] === 'verbose')) i++;
  let verb = w[i];
  if (verb === 'with') {
    let depth = 0;
    for (let j = i + 1; j < w.length; j++) {
      if (w[j] === '(') depth++;
      else if (w[j] === ')') depth--;
      else if (depth === 0 && SQL_VERBS.has(w[j])) {
        verb = w[j];
        i = j;
        break;
      }
    }
  }
  const topLevel = (word: string) => {
    let depth = 0;
    for (let j = i; j < w.length; j++) {
      if (w[j] === '(') depth++;
      else if (w[j] === ')') depth--;
      else if (depth === 0 && w[j] === word) return j;
    }
    return -1;
  };
  let k = i + 1;
  while (w[k] === 'temporary' || w[k] === 'temp' || w[k] === 'materialized' || w[k] === 'unique') k++;
  const kind = w[k];
  switch (verb) {
    case 'select':
      return 'read:database';
    case 'insert':
    case 'replace':
      return 'create:row';
    case 'update':
      return topLevel('where') >= 0 ? 'modify:row' : 'modify:database';
    case 'delete':
      return topLevel('where') >= 0 ? 'delete:row' : 'delete:table';
    case 'truncate':
      return 'delete:table';
    case 'drop':
      return SQL_DROPPABLE.get(kind) ?? 'modify:database';
    case 'create':
      return kind === 'user' || kind === 'role' ? 'create:user' : 'create:database';
    case 'alter': {
      const drop = topLevel('drop');
      const what = w[drop + 1];
      if (
        drop >= 0 &&
        (what === 'column' || (what !== 'constraint' && what !== 'index' && what !== 'default'))
      ) {
        return 'delete:column';
      }
      return 'modify:database';
    }
    case 'grant':
      return 'grant:user';
    case 'revoke':
      return 'modify:user';
    default:
      return undefined;
  }
}

const LITERAL = /'((?:[^']|'')*)'/g;
const DYNAMIC = /\b(execute|exec|prepare|format|sp_executesql)\b/i;

/**
 * Dynamic SQL (`EXECUTE 'DROP SCHEMA ' || quote_ident(s)`, `format('DROP TABLE %I', t)`): each
 * string literal that starts a statement is read as that statement, with a placeholder where the
 * concatenated or formatted name goes.
 */
function dynamicPairs(s: string, found: Set<string>): void {
  for (const m of s.matchAll(LITERAL)) {
    const lit = m[1].replace(/''/g, "'").replace(/%[IsL]/g, ' x ');
    if (!/^\s*[A-Za-z]/.test(lit)) continue;
    const stmt = `${lit} x`;
    if (looksLikeStore(stmt)) for (const p of storePairs(stmt, false)) found.add(p);
  }
}

/** Pairs of SQL, Redis or Mongo shell text (several statements allowed). */
export function storePairs(s: string, dynamic = true): string[] {
  const found = new Set<string>();
  if (dynamic && DYNAMIC.test(s)) dynamicPairs(s, found);
  if (REDIS.test(s)) found.add('delete:database');
  for (const m of MONGO.test(s) ? s.matchAll(MONGO_CALL) : []) {
    const call = m[1].toLowerCase();
    const emptyFilter = m[2] !== undefined;
    if (call === 'dropdatabase') found.add('delete:database');
    else if (call === 'drop') found.add('delete:table');
    else if (call === 'deletemany' || call === 'remove')
      found.add(emptyFilter ? 'delete:table' : 'delete:row');
    else if (call === 'deleteone' || call === 'findoneanddelete') found.add('delete:row');
    else if (call.startsWith('find') || call === 'aggregate' || call.startsWith('count'))
      found.add('read:database');
    else if (call.startsWith('insert')) found.add('create:row');
    else if (call.startsWith('update') || call.startsWith('replace')) found.add('modify:row');
  }
  if (found.size > 0) return [...found].sort();
  let stmt: string[] = [];
  for (const word of [...sqlWords(s), ';']) {
    if (word !== ';') {
      stmt.push(word);
      continue;
    }
    const pair = stmt.length > 0 ? sqlStatement(stmt) : undefined;
    if (pair) found.add(pair);
    stmt = [];
  }
  return [...found].sort();
}
