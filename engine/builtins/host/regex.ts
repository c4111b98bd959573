// Regular-expression builtins on re2js (a pure-JS RE2 port: Go's syntax, linear-time matching, so a
// policy's pattern cannot cause catastrophic backtracking). Match iteration, split and `$1`
// expansion follow Go's regexp package, which differs from JS in empty matches and replacements.
import { RE2JS } from 're2js';
import { int, str } from './args.js';
import { globsMatch } from './regex-globs.js';

const CACHE_LIMIT = 256;
const cache = new Map<string, RE2JS>();

/** Compiled pattern, cached (bounded) because policies use a handful of constant patterns. */
export function compileRegex(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, re);
  }
  return re;
}

/** One match: `[start, end]` for the whole match and every group (-1 when a group did not match). */
type Match = number[];

/** Go's FindAll loop: at most `n` matches (all when n < 0), no empty match right after a match. */
function allMatches(re: RE2JS, s: string, n: number): Match[] {
  const out: Match[] = [];
  const m = re.matcher(s);
  const groups = re.groupCount();
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = s.codePointAt(end);
      pos = end + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) {
      const match: Match = [start, end];
      for (let g = 1; g <= groups; g++) match.push(m.start(g), m.end(g));
      out.push(match);
    }
  }
  return out;
}

function group(s: string, match: Match, g: number): string {
  const a = match[2 * g];
  return a === undefined || a < 0 ? '' : s.slice(a, match[2 * g + 1]);
}

/** Go's Regexp.Split(s, -1). */
function goSplit(re: RE2JS, s: string): string[] {
  if (s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const match of allMatches(re, s, -1)) {
    end = match[0];
    if (match[1] !== 0) out.push(s.slice(beg, end));
    beg = match[1];
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the longest word run. */
function expand(template: string, re: RE2JS, s: string, match: Match): string {
  const names = re.namedGroups();
  const lookup = (name: string): string => {
    if (/^\d+$/.test(name)) return group(s, match, Number(name));
    const idx = names[name];
    return idx === undefined ? '' : group(s, match, idx);
  };
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{(\w+)\}/.exec(rest);
    const bare = braced ? null : /^\w+/.exec(rest);
    if (braced) {
      out += lookup(braced[1]);
      i += braced[0].length;
    } else if (bare) {
      out += lookup(bare[0]);
      i += bare[0].length;
    } else {
      out += '$';
    }
  }
  return out;
}

function replaceAll(s: string, re: RE2JS, template: string): string {
  let out = '';
  let last = 0;
  for (const match of allMatches(re, s, -1)) {
    out += s.slice(last, match[0]) + expand(template, re, s, match);
    last = match[1];
  }
  return out + s.slice(last);
}

/**
 * `regex.template_match`: text between the delimiters is a regex, the rest is literal, and the
 * whole value must match. Delimiters nest, so `{[a-z]{2}}` keeps its inner braces.
 */
function templateMatch(template: string, value: string, open: string, close: string): boolean {
  const o = [...open][0];
  const c = [...close][0];
  if (o === undefined || c === undefined) throw new Error('delimiters must be non-empty');
  let pattern = '^';
  let literal = '';
  let i = 0;
  while (i < template.length) {
    if (template[i] !== o) {
      literal += template[i++];
      continue;
    }
    let depth = 0;
    let j = i;
    for (; j < template.length; j++) {
      if (template[j] === o) depth++;
      else if (template[j] === c && --depth === 0) break;
    }
    if (j >= template.length) throw new Error(`unbalanced delimiters in ${template}`);
    pattern += RE2JS.quote(literal) + `(${template.slice(i + o.length, j)})`;
    literal = '';
    i = j + c.length;
  }
  pattern += `${RE2JS.quote(literal)}$`;
  return compileRegex(pattern).test(value);
}

const match = (pattern: unknown, value: unknown) => compileRegex(str(pattern)).test(str(value));

export const regexBuiltins = {
  'regex.match': match,
  re_match: match,
  'regex.is_valid': (pattern: unknown) => {
    if (typeof pattern !== 'string') return false;
    try {
      compileRegex(pattern);
      return true;
    } catch {
      return false;
    }
  },
  'regex.split': (pattern: unknown, value: unknown) => goSplit(compileRegex(str(pattern)), str(value)),
  'regex.find_n': (pattern: unknown, value: unknown, n: unknown) => {
    const s = str(value);
    return allMatches(compileRegex(str(pattern)), s, int(n)).map((m) => s.slice(m[0], m[1]));
  },
  'regex.find_all_string_submatch_n': (pattern: unknown, value: unknown, n: unknown) => {
    const s = str(value);
    const re = compileRegex(str(pattern));
    return allMatches(re, s, int(n)).map((m) =>
      Array.from({ length: m.length / 2 }, (_, g) => group(s, m, g)),
    );
  },
  'regex.replace': (value: unknown, pattern: unknown, replacement: unknown) =>
    replaceAll(str(value), compileRegex(str(pattern)), str(replacement)),
  'regex.template_match': (template: unknown, value: unknown, open: unknown, close: unknown) =>
    templateMatch(str(template), str(value), str(open), str(close)),
  'regex.globs_match': (a: unknown, b: unknown) => globsMatch(str(a), str(b)),
};

/** Exposed for tests of the helpers above. */
export const regexInternals = { allMatches, goSplit, replaceAll };
