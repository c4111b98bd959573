// Printer tests: precedence and parentheses, comprehension heads, rule shapes; every printed text must
// re-parse to the same tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../test/random.js';
import {
  callTerm,
  numberTerm,
  operatorRef,
  parseModule,
  parseQuery,
  parseTerm,
  printBody,
  printModule,
  printTerm,
  stripLocations,
  type Term,
  varTerm,
} from './index.js';

function roundTripQuery(src: string): string {
  const { body, diagnostics } = parseQuery(src);
  assert.deepEqual(diagnostics, [], src);
  assert.ok(body);
  const printed = printBody(body);
  const again = parseQuery(printed);
  assert.deepEqual(again.diagnostics, [], printed);
  assert.deepEqual(stripLocations(again.body), stripLocations(body), printed);
  return printed;
}

describe('printer', () => {
  const queries: [string, string][] = [
    ['x = 1 + 2 * 3', 'x = 1 + 2 * 3'],
    ['x = (1 + 2) * 3', 'x = (1 + 2) * 3'],
    ['x = 1 - (2 - 3)', 'x = 1 - (2 - 3)'],
    ['x = (1 - 2) - 3', 'x = 1 - 2 - 3'],
    ['x := (a | b) & c', 'x := (a | b) & c'],
    ['x := a | b & c', 'x := a | b & c'],
    ['(a == b) == c', 'a == b == c'],
    ['a == (b == c)', 'a == (b == c)'],
    ['x in (y in z)', 'x in (y in z)'],
    ['(x == 1) in y', 'x == 1 in y'],
    ['k, v in xs', 'k, v in xs'],
    ['f((k, v in xs))', 'f((k, v in xs))'],
    ['x := [(a | b), c]', 'x := [(a | b), c]'],
    ['x := [(a + 1) | a := 1]', 'x := [(a + 1) | a := 1]'],
    ['x := {(a | b)}', 'x := {(a | b)}'],
    ['x := {k: (v + 1) | k := 1; v := 2}', 'x := {k: (v + 1) | k := 1; v := 2}'],
    ['x := {a + 1: b | a := 1; b := 2}', 'x := {a + 1: b | a := 1; b := 2}'],
    ['x := -1 - -2', 'x := -1 - -2'],
    ['x := input["a-b"].c[0]', 'x := input["a-b"].c[0]'],
    ['x := [1, 2][0]', 'x := [1, 2][0]'],
    ['x := (a + b).c', 'x := (a + b).c'],
    ['x := f(y).z[1]', 'x := f(y).z[1]'],
    ['x := set()', 'x := set()'],
    ['x := "tab\\tquote\\""', 'x := "tab\\tquote\\""'],
    ['x := `raw\\n`', 'x := "raw\\\\n"'],
    ['plus(1, 2, x)', 'plus(1, 2, x)'],
    ['not x; some y; y = 1', 'not x\nsome y\ny = 1'],
    ['every x in [1] { x > 0; x < 2 }', 'every x in [1] {\n\tx > 0\n\tx < 2\n}'],
    ['x := [y | every z in [1] { z }; y := 1]', 'x := [y | every z in [1] { z }; y := 1]'],
    ['f(1) with f as g with input.x as {"a": 1}', 'f(1) with f as g with input.x as {"a": 1}'],
  ];
  for (const [src, want] of queries) it(src, () => assert.equal(roundTripQuery(src), want));

  it('prints compiler-built calls with the parentheses precedence needs', () => {
    const sum = callTerm([operatorRef('plus'), varTerm('a'), varTerm('b')]);
    const prod = callTerm([operatorRef('mul'), sum, numberTerm('2')]);
    assert.equal(printTerm(prod), '(a + b) * 2');
    const call = callTerm([operatorRef('io.jwt.decode'), prod]);
    assert.equal(printTerm(call), 'io.jwt.decode((a + b) * 2)');
  });

  it('prints rule shapes that re-parse identically', () => {
    const src = [
      'package p.q',
      'default a := 1',
      'a := 2 if input.x',
      'b if input.y',
      'c = true',
      'd contains 1',
      'e[k] := 1 if k := "x"',
      'f(x) := 1 if x > 0 else := 2',
      'g(x) if x',
      'h.i.j := 3',
      'k := 1 if { true } { false }',
    ].join('\n');
    const { module, diagnostics } = parseModule(src, 'p.rego');
    assert.deepEqual(diagnostics, []);
    assert.ok(module);
    const printed = printModule(module);
    const again = parseModule(printed, 'p.rego');
    assert.deepEqual(again.diagnostics, []);
    assert.deepEqual(stripLocations(again.module), stripLocations(module));
    assert.match(printed, /^c = true$/m);
    assert.match(printed, /^f\(x\) := 1 if \{\n\tx > 0\n\} else := 2$/m);
    assert.equal(module.rules.filter((r) => r.head.name === 'k').length, 2);
  });

  it('reads input_term values', () => {
    const { term } = parseTerm('{1, 2, {"a": set()}}');
    assert.ok(term);
    assert.equal(printTerm(term), '{1, 2, {"a": set()}}');
  });
});

describe('printer on random trees', () => {
  const OPS = [
    'equal',
    'neq',
    'lt',
    'gte',
    'or',
    'and',
    'plus',
    'minus',
    'mul',
    'div',
    'rem',
    'internal.member_2',
  ];

  function gen(r: () => number, depth: number): Term {
    const pick = Math.floor(r() * (depth > 3 ? 4 : 12));
    switch (pick) {
      case 0:
        return numberTerm(r() < 0.3 ? '-2' : String(Math.floor(r() * 10)));
      case 1:
        return varTerm(['x', 'y', 'z'][Math.floor(r() * 3)]);
      case 2:
        return { type: 'string', value: r() < 0.5 ? 'a b' : 'k' };
      case 3:
        return { type: 'ref', value: [varTerm('input'), { type: 'string', value: 'a' }, gen(r, depth + 1)] };
      case 4:
      case 5:
      case 6: {
        const op = OPS[Math.floor(r() * OPS.length)];
        return callTerm([operatorRef(op), gen(r, depth + 1), gen(r, depth + 1)]);
      }
      case 7:
        return { type: 'array', value: [gen(r, depth + 1), gen(r, depth + 1)] };
      case 8:
        return { type: 'set', value: [gen(r, depth + 1)] };
      case 9:
        return { type: 'object', value: [[gen(r, depth + 1), gen(r, depth + 1)]] };
      case 10: {
        const body = [
          {
            terms: [operatorRef('assign'), varTerm('w'), gen(r, depth + 1)],
            negated: false,
            with: [],
            index: 0,
          },
        ];
        const k = Math.floor(r() * 3);
        if (k === 0) return { type: 'arraycomprehension', term: gen(r, depth + 1), body };
        if (k === 1) return { type: 'setcomprehension', term: gen(r, depth + 1), body };
        return { type: 'objectcomprehension', key: gen(r, depth + 1), value: gen(r, depth + 1), body };
      }
      default:
        return callTerm([operatorRef('count'), gen(r, depth + 1)]);
    }
  }

  it('re-parses 3000 random terms to the same tree', () => {
    const r = mulberry32(3);
    for (let i = 0; i < 3000; i++) {
      const t = gen(r, 0);
      const printed = printTerm(t);
      const back = parseTerm(printed);
      assert.deepEqual(back.diagnostics, [], printed);
      assert.deepEqual(stripLocations(back.term), stripLocations(t), printed);
    }
  });
});
