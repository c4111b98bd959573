// Regex and glob builtins: Go's regexp semantics on re2js, and linear-time matching of patterns that
// make backtracking engines explode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

describe('regex builtins', () => {
  it('matches catastrophic patterns on long inputs (RE2: no backtracking)', () => {
    const long = `${'a'.repeat(100_000)}b`;
    assert.equal(h['regex.match']('(a+)+$', long), false);
    assert.equal(h['regex.match']('(a+)+$', 'a'.repeat(100_000)), true);
    assert.equal(h['regex.match']('^(a+)+$', long), false);
    assert.equal(h['regex.match']('^(a|aa)+$', long), false);
    assert.equal(h['regex.match']('(x+x+)+y', 'x'.repeat(50_000)), false);
    assert.deepEqual(h['regex.find_n']('(a*)*b', long, 1), [long]);
  });
  it('rejects syntax RE2 does not support (backreferences, lookahead) as undefined', () => {
    assert.equal(h['regex.match']('(a)\\1', 'aa'), undefined);
    assert.equal(h['regex.is_valid']('a(?=b)'), false);
    assert.equal(h['regex.is_valid']('(?P<name>x)'), true);
    // A non-string is a type error here (the catalog types it `string`, as OPA's checker does).
    assert.equal(h['regex.is_valid'](5), undefined);
  });
  it('splits and finds like Go (empty matches after a match are skipped)', () => {
    assert.deepEqual(h['regex.split']('z+', 'pizza'), ['pi', 'a']);
    assert.deepEqual(h['regex.split']('x*', 'axbc'), ['a', 'b', 'c']);
    assert.deepEqual(h['regex.split']('a', ''), ['']);
    assert.deepEqual(h['regex.find_n']('a*', 'baaac', -1), ['', 'aaa', '']);
    assert.deepEqual(h['regex.find_n']('a.', 'paranormal', 2), ['ar', 'an']);
    assert.deepEqual(h['regex.find_all_string_submatch_n']('a(x*)b', '-ab-axb-', -1), [
      ['ab', ''],
      ['axb', 'x'],
    ]);
  });
  it('expands Go replacement templates', () => {
    assert.equal(h['regex.replace']('foo', '(foo)', '$1$1'), 'foofoo');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${n} replacement syntax, not a JS template.
    assert.equal(h['regex.replace']('foo', '(f)(o+)', '${2}x$1'), 'ooxf');
    assert.equal(h['regex.replace']('foo', '(f)', '$1x'), 'oo');
    assert.equal(h['regex.replace']('foo', '(?P<w>o)', '[$w]'), 'f[o][o]');
    assert.equal(h['regex.replace']('a.b', '\\.', '$$'), 'a$b');
    assert.equal(h['regex.replace']('foo', '[', 'x'), undefined);
  });
  it('matches templates with nested delimiters', () => {
    assert.equal(h['regex.template_match']('urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
    assert.equal(h['regex.template_match']('urn:{[a-z]{2}}:x', 'urn:ab:x', '{', '}'), true);
    assert.equal(h['regex.template_match']('urn:{[a-z]{2}}:x', 'urn:abc:x', '{', '}'), false);
    assert.equal(h['regex.template_match']('a.{b}', 'axb', '{', '}'), false);
  });
  it('intersects globs', () => {
    assert.equal(h['regex.globs_match']('a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
    assert.equal(h['regex.globs_match']('[a-z]+', '[0-9]*'), false);
    assert.equal(h['regex.globs_match']('a*', 'b*'), true);
    assert.equal(h['regex.globs_match']('a+', 'b*'), false);
    assert.equal(h['regex.globs_match']('[^a]', 'a'), false);
    assert.equal(h['regex.globs_match']('pqrs]', '[a-b]+'), undefined);
  });
});

describe('glob builtins', () => {
  it('handles delimiters, classes and alternatives', () => {
    assert.equal(h['glob.match']('*.github.com', ['.'], 'api.github.com'), true);
    assert.equal(h['glob.match']('*.github.com', ['.'], 'a.b.github.com'), false);
    assert.equal(h['glob.match']('**.github.com', ['.'], 'a.b.github.com'), true);
    assert.equal(h['glob.match']('*', [], 'a.b'), false);
    assert.equal(h['glob.match']('*', null, 'a.b'), true);
    assert.equal(h['glob.match']('a/*/c', ['/'], 'a/b/c'), true);
    assert.equal(h['glob.match']('{a,b{c,d}}', null, 'bd'), true);
    assert.equal(h['glob.match']('[!a-c]at', [], 'rat'), true);
    assert.equal(h['glob.match']('\\*', null, '*'), true);
    assert.equal(h['glob.match']('{a', null, 'a'), undefined);
  });
  it('is linear on adversarial globs', () => {
    assert.equal(h['glob.match']('*a*a*a*a*a*a*a*b', null, 'a'.repeat(20_000)), false);
  });
  it('quotes metacharacters', () => {
    assert.equal(h['glob.quote_meta']('*.github.com'), '\\*.github.com');
    assert.equal(h['glob.quote_meta']('[a]{b}?'), '\\[a\\]\\{b\\}\\?');
  });
});
