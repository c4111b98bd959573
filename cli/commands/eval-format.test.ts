// Unit tests of opa eval's output formats and the per-expression query rewrite (the differential
// tests against the real opa are in test/interop/flags.test.ts; these run without opa), and the
// arity knowledge that tells calls with an output argument apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outputCalls } from './eval-arity.js';
import {
  formatResult,
  nameIterations,
  orderRows,
  resultItems,
  rewriteQuery,
  splitQuery,
} from './eval-format.js';

test('a query splits at top-level ; and newlines, not inside brackets or strings', () => {
  const exprs = splitQuery('x := {"a;b": [1; 2]}; y := f(x)\n  z');
  assert.deepEqual(
    exprs.map((e) => [e.text, e.row, e.col]),
    [
      ['x := {"a;b": [1; 2]}', 1, 1],
      ['y := f(x)', 1, 23],
      ['z', 2, 3],
    ],
  );
});

test('term expressions bind their value; operators, some/not and with-modifiers are kept', () => {
  assert.equal(rewriteQuery('data.p').query, '__semamesh_v0__ = (data.p)');
  assert.equal(
    rewriteQuery('x := 1; count(y)').query,
    'x := 1; __semamesh_v1__ = (count(y)); __semamesh_v1__ != false',
  );
  assert.equal(rewriteQuery('f(a == b)').query, '__semamesh_v0__ = (f(a == b))');
  assert.equal(rewriteQuery('not data.p').query, 'not data.p');
  assert.equal(
    rewriteQuery('data.p with input as {"x": 1}').query,
    '__semamesh_v0__ = (data.p) with input as {"x": 1}',
  );
  assert.equal(rewriteQuery('x == 1 with input as 2').query, 'x == 1 with input as 2');
});

test('calls with an output argument (arity + 1 arguments) are kept as they are, their value true', () => {
  const modules = [
    { file: 'f.rego', source: 'package fx\ninc(a) := a + 1\nlib.twice(a) := a * 2\nconst := 1' },
  ];
  const isOutput = outputCalls(modules, { queryPackage: 'fx', queryImports: ['data.fx as m'] });
  for (const text of [
    'replace("abc", "b", "d", x)',
    'data.fx.inc(1, y)',
    'inc(1, y)',
    'lib.twice(1, y)',
    'm.lib.twice(1, y)',
    'walk(input, [p, v])',
  ])
    assert.equal(isOutput(text), true, text);
  for (const text of [
    'count(x)',
    'data.fx.inc(1)',
    'inc(1)',
    'data.fx.const',
    'data.nope.f(1, y)',
    'x = 1',
    '[',
    'f(1)[0]',
  ])
    assert.equal(isOutput(text), false, text);
  const { query, exprs } = rewriteQuery('replace("a", "a", "b", x) with input as 1; count(x)', isOutput);
  assert.equal(
    query,
    'replace("a", "a", "b", x) with input as 1; __semamesh_v1__ = (count(x)); __semamesh_v1__ != false',
  );
  assert.deepEqual(
    exprs.map((e) => e.valueVar),
    [undefined, '__semamesh_v1__'],
  );
});

test("JSON output escapes <, >, & and U+2028/9 as Go's encoder does", () => {
  const { exprs } = rewriteQuery('x');
  const items = resultItems(exprs, [{ __semamesh_v0__: { '<k>': 'a&b\u2028' } }]);
  assert.equal(formatResult('raw', exprs, items), '{"\\u003ck\\u003e":"a\\u0026b\\u2028"}\n');
});

// The table's shape was checked against opa eval -f pretty (headers centred, the extra space right).
test('each format prints what opa eval prints, nothing (or undefined) when undefined', () => {
  const { exprs } = rewriteQuery('data.m[x]');
  const rows = [
    { __semamesh_v0__: 'a', x: 1 },
    { __semamesh_v0__: { k: [true] }, x: 2 },
  ];
  const items = resultItems(exprs, rows);
  assert.deepEqual(items[0], {
    expressions: [{ value: 'a', text: 'data.m[x]', location: { row: 1, col: 1 } }],
    bindings: { x: 1 },
  });
  assert.equal(formatResult('raw', exprs, items), 'a\n{"k":[true]}\n');
  assert.equal(formatResult('bindings', exprs, items), '{\n  "x": 1\n}\n{\n  "x": 2\n}\n');
  assert.equal(formatResult('values', exprs, items.slice(0, 1)), '[\n  "a"\n]\n');
  assert.equal(
    formatResult('pretty', exprs, items),
    [
      '┌──────────────┬───┐',
      '│  data.m[x]   │ x │',
      '├──────────────┼───┤',
      '│ "a"          │ 1 │',
      '│ {"k":[true]} │ 2 │',
      '└──────────────┴───┘',
      '',
    ].join('\n'),
  );
  assert.equal(formatResult('json', exprs, []), '{}\n');
  assert.equal(formatResult('pretty', exprs, []), 'undefined\n');
  for (const f of ['raw', 'values', 'bindings'] as const) assert.equal(formatResult(f, exprs, []), '');
});

test('wildcards iterating references are named; iteration variables listed in order', () => {
  assert.deepEqual(nameIterations('x := data.a[_]; data.b[k][_]'), {
    query: 'x := data.a[__semamesh_w0__]; data.b[k][__semamesh_w1__]',
    iterVars: ['__semamesh_w0__', 'k', '__semamesh_w1__'],
  });
  // Inside literals and comprehensions `_` stays local; strings are left alone.
  assert.deepEqual(nameIterations('x := {v | v := data.a[_]}; y := [1][_]; z := "[_]"'), {
    query: 'x := {v | v := data.a[_]}; y := [1][__semamesh_w0__]; z := "[_]"',
    iterVars: ['__semamesh_w0__'],
  });
  assert.deepEqual(nameIterations('some v in data.a; data.b[i]'), {
    query: 'some __semamesh_k0__, v in data.a; data.b[i]',
    iterVars: ['__semamesh_k0__', 'v', 'i'],
  });
});

test("rows are ordered by the iteration variables in opa's value order", () => {
  const rows = [
    { k: 'b', i: 1 },
    { k: 'a', i: 2 },
    { k: 'a', i: 1 },
    { k: 10, i: 0 },
    { k: null, i: 0 },
  ];
  assert.deepEqual(orderRows(rows, ['k', 'i']), [
    { k: null, i: 0 },
    { k: 10, i: 0 },
    { k: 'a', i: 1 },
    { k: 'a', i: 2 },
    { k: 'b', i: 1 },
  ]);
});
