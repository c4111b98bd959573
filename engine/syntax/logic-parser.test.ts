// `and` / `or` operators and not-bodies (future keywords `and`, `or`, `not`; `rego.v2`): OPA's
// grammar, precedence, scoping and short-circuit, evaluated through the IR interpreter, and OPA's
// diagnostics (wording checked against opa 1.22.4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalRego } from '../plan/testing.js';
import { formatDiagnostic, parseModule } from './index.js';

const HEAD = 'package t\nimport future.keywords.and\nimport future.keywords.or\nimport future.keywords.not\n';

/** The value of `data.t.p` (undefined when p is). */
function p(rules: string, input?: unknown): unknown {
  const rows = evalRego([`${HEAD}${rules}\n`], 'x = data.t.p', { input }) as { x: unknown }[];
  return rows[0]?.x;
}

function diags(src: string): string[] {
  return parseModule(src, 'p.rego').diagnostics.map(formatDiagnostic);
}

describe('logical operators', () => {
  it('and / or truth tables, with undefined operands as false', () => {
    assert.equal(p('p if true and true'), true);
    assert.equal(p('p if true and false'), undefined);
    assert.equal(p('p if false or true'), true);
    assert.equal(p('p if false or false'), undefined);
    assert.equal(p('p if input.missing or input.x > 0', { x: 1 }), true);
    assert.equal(p('p if input.x > 0 and input.missing', { x: 1 }), undefined);
  });

  it('and binds tighter than or; groups and chains are left-associative', () => {
    assert.equal(p('p if true or false and false'), true);
    assert.equal(p('p if (true or false) and false'), undefined);
    assert.equal(p('p if false or false or true and true'), true);
    assert.equal(p('p if not (false or false)'), true);
  });

  it('the right operand runs only when needed (its builtin errors are not raised; the wasm path is checked by the conformance cases)', () => {
    assert.equal(p('p if false and to_number("x") == 1'), undefined);
    assert.equal(p('p if true or to_number("x") == 1'), true);
  });

  it('braced operands keep their own variables; outer ones are visible', () => {
    assert.equal(p('p if {\n  a := -100\n  { a := 1; a > 0 } and { a := 2; a > 1 }\n  a == -100\n}'), true);
    assert.equal(p('p if {\n  n := 3\n  { some x in [1, 2, 3]; x == n } or n > 10\n}'), true);
  });

  it('an operand contributes at most one solution', () => {
    assert.deepEqual(p('p := [x | some x in [1, 2, 3]; { some y in [1, 2, 3]; y < 3 } or x > 5]'), [1, 2, 3]);
  });

  it('a trailing with applies to both operands', () => {
    assert.equal(p('p if input.x > 0 and input.y > 0 with input as {"x": 1, "y": 2}', {}), true);
    assert.equal(p('p if { input.x < 2 with input.x as 1 } and input.x == 5', { x: 5 }), true);
  });

  it('not-bodies negate a whole body, and `not f(ref)` holds when the ref is undefined', () => {
    assert.equal(p('p if not { true; false }'), true);
    assert.equal(p('p if not { some x in [1, 2]; x > 1 }'), undefined);
    assert.equal(p('f(_) := true\np if not f(input.missing)', {}), true);
    assert.equal(p('p if not input.x + input.y == input.z', {}), true);
  });

  it('and( / or( without a space still call the set builtins', () => {
    assert.deepEqual(p('p := and({1, 2}, {2, 3})'), [2]);
    assert.deepEqual(p('p := or({1}, {2})'), [1, 2]);
  });

  it('without the import, and / or are plain names and `not x` keeps its usual meaning', () => {
    const src = 'package t\n\nand := 1\nf(_) := true\np if { and == 1; not f(input.missing) }\n';
    assert.deepEqual(diags(src), []);
    assert.deepEqual(evalRego([src], 'x = data.t.p', { input: {} }), []);
  });

  it('rego.v2 and `import future.keywords` enable all three', () => {
    for (const imp of ['rego.v2', 'future.keywords']) {
      const src = `package t\nimport ${imp}\np if not { false } and (false or true)\n`;
      assert.deepEqual(evalRego([src], 'x = data.t.p'), [{ x: true }], imp);
    }
  });

  it("refuses what OPA refuses, with OPA's wording", () => {
    const cases: [string, string][] = [
      ['p if {} and true', 'p.rego:5:7: rego_parse_error: found empty body'],
      [
        'p if { x := 1 and true }',
        'p.rego:5:8: rego_compile_error: cannot assign vars inside implicit and operand',
      ],
      [
        'p if { input.x > 0 with input.x as 1 and true }',
        'p.rego:5:20: rego_parse_error: `with` modifier is not allowed on operand of `and`',
      ],
      ['p if { not {} }', 'p.rego:5:13: rego_parse_error: found empty body'],
      [
        'p if { not {1, 2} }',
        'p.rego:5:12: rego_parse_error: `{...}` in an operand position must contain expression(s), got: set',
      ],
      ['p if { true and () }', 'p.rego:5:17: rego_parse_error: empty parenthesized group'],
      ['p if { true and (false or ) }', 'p.rego:5:27: rego_parse_error: unexpected ) token'],
      ['and := 1', 'p.rego:5:1: rego_parse_error: and keyword cannot be used for rule name'],
    ];
    for (const [rule, want] of cases) assert.deepEqual(diags(`${HEAD}${rule}\n`), [want], rule);
    assert.deepEqual(diags('package t\nimport future.keywords.xor\n'), [
      'p.rego:2:8: rego_parse_error: unexpected keyword, must be one of [and contains every if in not or]',
    ]);
    assert.deepEqual(diags('package t\nimport rego.v3\n'), [
      'p.rego:2:8: rego_parse_error: invalid import `rego.v3`, must be one of: `rego.v1`, `rego.v2`',
    ]);
  });
});
