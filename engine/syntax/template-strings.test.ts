// Template strings `$"..{expr}.."` and `` $`..` ``: lexing of nested templates and `\{` escapes,
// rendering as OPA's internal.template_string (values as Rego prints them, `<undefined>` for parts
// without a value), and OPA's diagnostics; evaluated through the IR interpreter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalRego } from '../plan/testing.js';
import { formatDiagnostic, parseModule } from './index.js';

function p(rules: string, input?: unknown): unknown {
  const rows = evalRego([`package t\n\n${rules}\n`], 'x = data.t.p', { input }) as { x: unknown }[];
  return rows[0]?.x;
}

function diags(rules: string): string[] {
  return parseModule(`package t\n\n${rules}\n`, 'p.rego').diagnostics.map(formatDiagnostic);
}

describe('template strings', () => {
  it('constant templates are plain strings, with JSON escapes and \\{', () => {
    assert.equal(p('p := $""'), '');
    assert.equal(p('p := $"\\t\\n\\""'), '\t\n"');
    assert.equal(p('p := $"foo \\{42} bar"'), 'foo {42} bar');
    assert.equal(p('p := $"{42}, {13.37}, {true}, {"foo"}, {null}"'), '42, 13.37, true, foo, null');
  });

  // Sets (`set()`, `{1, 42}`) are checked through the wasm engine and opa in ../reference/fixtures/language.yaml:
  // the interpreter's sprintf is the host's, which sees values as JSON.
  it('renders values as Rego prints them', () => {
    assert.equal(
      p('p := $"{[]}, {[42, "foo", null]}, {{}}, {{"a": "b"}}"'),
      '[], [42, "foo", null], {}, {"a": "b"}',
    );
    assert.equal(p('a := 1\np := $"sum: {1 + a}"'), 'sum: 2');
  });

  it('an expression without a value renders as <undefined>', () => {
    assert.equal(p('p := $"{input.x}, {data.nope}"', {}), '<undefined>, <undefined>');
  });

  it('nests templates and reads `with` inside an expression', () => {
    assert.equal(p('a := "foo"\nb := "bar"\np := $"{$"{a}"} {$"{$"{b}"} baz"}"'), 'foo bar baz');
    assert.equal(p('a := input.a\np := $"foo {a with input as {"a": 42}}"', {}), 'foo 42');
  });

  it('raw templates span lines and keep backslashes', () => {
    assert.equal(p('x := 1\np := $`a\\n{x}\n{[x]}`'), 'a\\n1\n[1]');
  });

  it('works in comprehensions, function arguments and membership', () => {
    assert.deepEqual(p('p := [x | some y in [1, 2]; x := $"<{y}>"]'), ['<1>', '<2>']);
    assert.equal(p('p := f("foo bar")\nf($"{x} {input.y}") := 42 if x = "foo"', { y: 'bar' }), 42);
    assert.equal(p('users := {"user_1"}\nid := 1\np if $"user_{id}" in users'), true);
  });

  it("refuses what OPA refuses, with OPA's wording", () => {
    assert.deepEqual(diags('p := $"{x := 1}"'), [
      "p.rego:3:9: rego_parse_error: unexpected assignment (':=') in template-string expression",
      'p.rego:3:15: rego_parse_error: unexpected } token: expected rule value term (e.g., p := <VALUE> { ... })',
    ]);
    assert.deepEqual(
      diags('p := $"{some x in [1]}"')[0],
      "p.rego:3:9: rego_parse_error: unexpected 'some' in template-string expression",
    );
    assert.deepEqual(diags('p := $"abc'), ['p.rego:3:6: rego_parse_error: non-terminated string']);
    assert.deepEqual(diags('p := $"a\\q"'), ['p.rego:3:6: rego_parse_error: illegal escape sequence']);
    assert.deepEqual(diags('p := $"{1"'), [
      'p.rego:3:10: rego_parse_error: expected } to end template string expression',
    ]);
    assert.deepEqual(diags('p := $x'), ['p.rego:3:6: rego_parse_error: illegal $ character']);
  });
});
