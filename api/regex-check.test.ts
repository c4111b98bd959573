// Tests the linear-time regex gate: RE2 syntax passes, backtracking constructs are named, bad syntax explained.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { re2Problem } from './regex-check.js';

test('RE2 syntax is accepted, including what ECMAScript lacks', () => {
  for (const ok of [
    'drop\\s+(table|database)',
    '(?i)api[_-]?key',
    '(?P<verb>delete|drop)',
    '\\p{Greek}+',
    '[\\]a]',
    '[^]a]',
    '[(?=]',
    '\\(\\?=literal',
    'a{2,5}',
  ])
    assert.equal(re2Problem(ok), undefined, ok);
});

test('backtracking constructs are refused and named', () => {
  const cases: [string, RegExp][] = [
    ['(a+)\\1', /backreference \(\\1\)/],
    ['(?<q>.)\\k<q>', /named backreference/],
    ['foo(?=bar)', /lookahead/],
    ['foo(?!bar)', /negative lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /negative lookbehind/],
    ['(?>a+)b', /atomic group/],
  ];
  for (const [pattern, expected] of cases) {
    const problem = re2Problem(pattern);
    assert.match(problem ?? '', expected, pattern);
    assert.match(problem ?? '', /RE2 semantics/, pattern);
  }
});

test('other invalid syntax gets RE2 own explanation', () => {
  assert.match(
    re2Problem('a**') ?? '',
    /not a valid RE2 regular expression: invalid nested repetition operator/,
  );
  assert.match(re2Problem('(unclosed') ?? '', /missing closing \)/);
  assert.match(re2Problem('x{1001}') ?? '', /invalid repeat count/);
});
