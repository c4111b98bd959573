// Seeded random regular expressions and subjects for the differential test against opa eval:
// patterns are built from RE2 pieces (classes, groups, lazy and counted repetition, anchors,
// alternation, flags), some deliberately invalid.
import { mulberry32 } from '../../../test/random.js';

const PIECES = [
  'a',
  'b',
  'ab',
  '.',
  '\\d',
  '\\w',
  '\\s',
  '[a-c]',
  '[^ab]',
  '\\b',
  '^',
  '$',
  'é',
  '(?i)A',
  'x?',
].concat(['[[:alpha:]]', '\\pL', '\\p{Greek}', '(?m)^', '(?s).', '\\.', '|', '()', '\\Q+\\E']);
const REPEATS = ['', '', '', '*', '+', '?', '*?', '+?', '??', '{2}', '{1,3}', '{0,}', '{2,}?', '**', '{3,1}'];
const SUBJECTS = [
  '',
  'a',
  'ab',
  'aab',
  'abc abc',
  'bab\nab',
  'xxaby',
  'ÉéA',
  'αβγ a1 b2',
  'a.b+c',
  '12ab 34',
];

/** A deterministic PRNG in [0, 1) (mulberry32). */
export const rng = mulberry32;

function pattern(next: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const n = 1 + Math.floor(next() * 4);
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = next();
    let atom: string;
    if (r < 0.15 && depth < 2) atom = `(${next() < 0.3 ? '?:' : ''}${pattern(next, depth + 1)})`;
    else atom = pick(PIECES);
    out += atom + pick(REPEATS);
  }
  return out;
}

/** `count` Rego expressions over seeded random patterns (is_valid, match, find_all with groups). */
export function regexFuzzCases(seed: number, count: number): string[] {
  const next = rng(seed);
  const q = (s: string): string => JSON.stringify(s);
  const out: string[] = [];
  while (out.length < count) {
    const p = pattern(next);
    const s = SUBJECTS[Math.floor(next() * SUBJECTS.length)];
    out.push(`regex.is_valid(${q(p)})`);
    out.push(`regex.match(${q(p)}, ${q(s)})`);
    out.push(`regex.find_all_string_submatch_n(${q(p)}, ${q(s)}, -1)`);
    out.push(`regex.replace(${q(s)}, ${q(p)}, "<$0>")`);
  }
  return out;
}
