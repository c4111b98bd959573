// Keywords as the first part of a reference (`if.foo`, `true.x`, `package.a`), as OPA 1.x accepts them
// where a statement, literal or rule head begins; checked through the IR interpreter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalRego } from '../plan/testing.js';
import { formatDiagnostic, parseModule } from './index.js';
import { KEYWORDS } from './tokens.js';

function diags(src: string): string[] {
  return parseModule(src, 'p.rego').diagnostics.map(formatDiagnostic);
}

describe('keywords starting references', () => {
  // Every keyword of the lexer, so a new one is covered the day it is added.
  for (const kw of [...KEYWORDS.keys()].sort()) {
    it(`${kw}.foo names a rule and is read in a body`, () => {
      const src = `package test\n\np if {\n  ${kw}.foo == 1\n  foo.${kw} == 2\n  ${kw}.f(3) == 3\n}\n\n${kw}.foo := 1\n\nfoo.${kw} := 2\n\ndefault ${kw}.f(_) := 0\n\n${kw}.f(x) := x if x > 2\n`;
      assert.deepEqual(diags(src), []);
      assert.deepEqual(evalRego([src], 'data.test.p = x'), [{ x: true }]);
    });
  }

  it('a keyword ref on the line after a rule is a new rule, not an else branch', () => {
    const src = 'package test\n\na := 1 if false\nelse.x := 2\n\np if else.x == 2\n';
    assert.deepEqual(diags(src), []);
    assert.deepEqual(evalRego([src], 'data.test.p = x'), [{ x: true }]);
  });

  it('a keyword ref inside a collection is refused, as by OPA', () => {
    assert.deepEqual(diags('package test\n\nx := [else.x]\n'), [
      'p.rego:3:7: rego_parse_error: unexpected else keyword',
      'p.rego:3:7: rego_parse_error: unexpected else keyword: expected rule value term (e.g., x := <VALUE> { ... })',
    ]);
  });

  it('with whitespace before the dot, the keyword stays a keyword', () => {
    assert.deepEqual(diags('package test\n\np if {\n  true .foo\n}\n'), [
      'p.rego:4:8: rego_parse_error: unexpected . token: expected \\n or ; or }',
    ]);
  });

  it('a keyword alone still cannot name a rule (wording and position as OPA)', () => {
    const cases: [string, string][] = [
      ['if.a := 1\n\nsome := 2', 'p.rego:5:1: rego_parse_error: some keyword cannot be used for rule name'],
      ['in(x) := 2', 'p.rego:3:1: rego_parse_error: in keyword cannot be used for rule name'],
      ['not := 2', 'p.rego:3:1: rego_parse_error: not keyword cannot be used for rule name'],
      ['default if := 2', 'p.rego:3:9: rego_parse_error: if keyword cannot be used for rule name'],
      ['import := 2', 'p.rego:3:1: rego_parse_error: import keyword cannot be used for rule name'],
      ['contains := 1', 'p.rego:3:1: rego_parse_error: contains keyword cannot be used for rule name'],
    ];
    for (const [rules, want] of cases) assert.deepEqual(diags(`package test\n\n${rules}\n`), [want], rules);
  });
});
