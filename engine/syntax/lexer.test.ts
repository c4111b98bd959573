// Lexer tests: token kinds, code-point columns, comments, newline flags and illegal-input reasons.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeString, lex } from './lexer.js';
import { T, TOKEN_NAMES } from './tokens.js';

const kinds = (src: string): string[] => lex(src, 'f').tokens.map((t) => TOKEN_NAMES[t.k]);

describe('lexer', () => {
  it('lexes operators, keywords and literals', () => {
    assert.deepEqual(kinds('p := x if { y == 1; z != "s" } else = `r`'), [
      'ident',
      'assign',
      'ident',
      'if',
      '{',
      'ident',
      'equal',
      'number',
      ';',
      'ident',
      'neq',
      'string',
      '}',
      'else',
      'eq',
      'string',
      'eof',
    ]);
    assert.deepEqual(kinds('a<=b>=c<d>e+f-g*h/i%j&k|l.m,n:o[p](q)'), [
      'ident',
      'lte',
      'ident',
      'gte',
      'ident',
      'lt',
      'ident',
      'gt',
      'ident',
      'plus',
      'ident',
      'minus',
      'ident',
      'mul',
      'ident',
      'div',
      'ident',
      'rem',
      'ident',
      'and',
      'ident',
      'or',
      'ident',
      '.',
      'ident',
      ',',
      'ident',
      ':',
      'ident',
      '[',
      'ident',
      ']',
      '(',
      'ident',
      ')',
      'eof',
    ]);
    assert.deepEqual(kinds('some every in contains not with as default package import null true false'), [
      'some',
      'every',
      'in',
      'contains',
      'not',
      'with',
      'as',
      'default',
      'package',
      'import',
      'null',
      'true',
      'false',
      'eof',
    ]);
  });

  it('keeps number text and flags malformed numbers', () => {
    const toks = lex('1e3 0.5 12345678901234567890 1. 2e 0a2b', 'f').tokens;
    assert.deepEqual(
      toks.map((t) => [TOKEN_NAMES[t.k], t.lit, t.err]),
      [
        ['number', '1e3', undefined],
        ['number', '0.5', undefined],
        ['number', '12345678901234567890', undefined],
        ['illegal', '1.', 'expected fraction'],
        ['illegal', '2e', 'expected exponent'],
        ['illegal', '0a2b', 'illegal number format'],
        ['eof', '', undefined],
      ],
    );
  });

  it('counts columns in code points and tracks rows across raw strings and comments', () => {
    const { tokens, comments } = lex('"😀" x # c 😀\n`a\nb` y\n\tz', 'f');
    const at = (lit: string) => tokens.find((t) => t.lit === lit);
    assert.deepEqual([at('x')?.row, at('x')?.col], [1, 5]);
    assert.deepEqual([at('y')?.row, at('y')?.col], [3, 4]);
    assert.deepEqual([at('z')?.row, at('z')?.col, at('z')?.nl, at('y')?.nl], [4, 2, true, false]);
    assert.deepEqual(
      comments.map((c) => [c.text, c.loc?.row, c.loc?.col]),
      [[' c 😀', 1, 7]],
    );
    assert.equal(tokens.find((t) => t.k === T.EOF)?.row, 4);
  });

  it('marks whitespace before tokens (refs and calls need none)', () => {
    const toks = lex('a[0] b [0] f(x) g (x)', 'f').tokens;
    assert.deepEqual(
      toks.filter((t) => t.k === T.LBrack || t.k === T.LParen).map((t) => t.ws),
      [false, true, false, true],
    );
  });

  it('reports illegal characters and strings', () => {
    const errs = (src: string) =>
      lex(src, 'f')
        .tokens.filter((t) => t.k === T.Illegal)
        .map((t) => t.err);
    assert.deepEqual(errs('"\\x"'), ['illegal escape sequence']);
    assert.deepEqual(errs('"\\u12"'), ['illegal escape sequence']);
    assert.deepEqual(errs('"abc'), ['non-terminated string']);
    assert.deepEqual(errs('"a\nb"'), ['non-terminated string', 'non-terminated string']);
    assert.deepEqual(errs('`abc'), ['non-terminated string']);
    assert.deepEqual(errs('a ! b ⚡ $x \0'), [
      'illegal ! character',
      'illegal token',
      'illegal $ character',
      'illegal null character',
    ]);
  });

  it('decodes JSON escapes as Go does', () => {
    assert.equal(decodeString('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"'), 'a"b\\c/d\b\f\n\r\t');
    assert.equal(decodeString('"\\u00e9\\ud83d\\ude00"'), 'é😀');
    assert.equal(decodeString('"\\ud83d x"'), '\ufffd x');
    assert.equal(decodeString('"tab\tok"'), 'tab\tok');
    assert.equal(decodeString('"\\ttab\tbad"'), undefined);
  });
});
