// Planner tests: Rego compiled and planned to IR, run by the IR interpreter, compared to OPA's results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterpError } from './interp.js';
import { evalEntrypoint, evalRego, planRego } from './testing.js';

const pkg = (body: string) => `package t\n\n${body}\n`;
const sorted = (rows: unknown[]) =>
  [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const x = (src: string, opts = {}) => evalRego([pkg(src)], 'data.t.p = x', opts);

test('complete rules, defaults and else chains', () => {
  assert.deepEqual(x('p := 1'), [{ x: 1 }]);
  assert.deepEqual(x('p if input.a == 1'), []);
  assert.deepEqual(x('default p := false\np if input.a == 1', { input: { a: 1 } }), [{ x: true }]);
  assert.deepEqual(x('default p := false\np if input.a == 1', { input: { a: 2 } }), [{ x: false }]);
  const chain = 'p := 1 if input.a == 1\nelse := 2 if input.a == 2\nelse := 3';
  assert.deepEqual(x(chain, { input: { a: 2 } }), [{ x: 2 }]);
  assert.deepEqual(x(chain, { input: { a: 9 } }), [{ x: 3 }]);
});

test('conflicting complete rule values raise the conflict error', () => {
  assert.throws(
    () => x('p := 1\np := 2'),
    (e: unknown) => e instanceof InterpError && e.message === 'var assignment conflict',
  );
  assert.throws(
    () => x('p[k] := v if { some k, v in {"a": 1} }\np["a"] := 2'),
    (e: unknown) => e instanceof InterpError && /insert conflict/.test(e.message),
  );
});

test('partial sets, partial objects and ref heads', () => {
  assert.deepEqual(x('p contains v if { some v in input.xs; v > 1 }', { input: { xs: [1, 2, 3, 2] } }), [
    { x: [2, 3] },
  ]);
  assert.deepEqual(x('p[k] := v if { some k, v in input }', { input: { a: 1, b: 2 } }), [
    { x: { a: 1, b: 2 } },
  ]);
  assert.deepEqual(x('p.a.b := 1\np.a.c := 2\np[k].d := 3 if k := "z"'), [
    { x: { a: { b: 1, c: 2 }, z: { d: 3 } } },
  ]);
  assert.deepEqual(x('p[k] contains v if { some k in ["a", "b"]; some v in [1, 2] }'), [
    { x: { a: [1, 2], b: [1, 2] } },
  ]);
});

test('functions: patterns, multiple definitions, else', () => {
  const src = 'f(1) := "one"\nf(x) := "many" if x > 1\ng([a, b]) := a + b\np := [f(1), f(5), g([2, 3])]';
  assert.deepEqual(x(src), [{ x: ['one', 'many', 5] }]);
  assert.throws(() => x('f(_) := 1\nf(_) := 2\np := f(0)'), InterpError);
});

test('unification by structure and comparisons', () => {
  assert.deepEqual(x('p := [a, c] if { [a, {"b": c}] = input.v }', { input: { v: [1, { b: 2 }] } }), [
    { x: [1, 2] },
  ]);
  assert.deepEqual(x('p if { [1, y] = [z, 2]; y == 2; z == 1 }'), [{ x: true }]);
  assert.deepEqual(x('p if { [a, b] = input.v }', { input: { v: [1] } }), []);
});

test('negation and every, including iteration inside', () => {
  assert.deepEqual(x('p if not 5 in input.xs', { input: { xs: [1, 2] } }), [{ x: true }]);
  assert.deepEqual(x('p if not 5 in input.xs', { input: { xs: [1, 5] } }), []);
  // Iteration inside a negation: no element may match, and the negation is re-run per outer element.
  const nested = 'p := [v | some v in input.vs; not has(v)]\nhas(v) if { some y in input.ys; y == v }';
  assert.deepEqual(x(nested, { input: { vs: [1, 2, 3], ys: [2, 7] } }), [{ x: [1, 3] }]);
  const every = 'p if { every c in input.cs { some r in ["a", "b"]; startswith(c, r) } }';
  assert.deepEqual(x(every, { input: { cs: ['ax', 'bx'] } }), [{ x: true }]);
  assert.deepEqual(x(every, { input: { cs: ['ax', 'cx', 'bx'] } }), []);
});

test('comprehensions', () => {
  const src =
    'p := {"a": [v | some v in input.xs; v > 1], "s": {v | some v in input.xs}, "o": {k: v | some k, v in input.xs}}';
  assert.deepEqual(x(src, { input: { xs: [1, 2, 2] } }), [
    { x: { a: [2, 2], s: [1, 2], o: { '0': 1, '1': 2, '2': 2 } } },
  ]);
});

test('data refs merge base documents with rules, with iteration and prefixes', () => {
  const mods = ['package a.b\n\nr := 3\ns contains 1', 'package a\n\nq := 2'];
  const data = { a: { base: 1, b: { c: 4 } } };
  assert.deepEqual(evalRego(mods, 'data.a = x', { data }), [
    { x: { base: 1, q: 2, b: { c: 4, r: 3, s: [1] } } },
  ]);
  assert.deepEqual(sorted(evalRego(mods, 'data.a.b[k] = v', { data })), [
    { k: 'c', v: 4 },
    { k: 'r', v: 3 },
    { k: 's', v: [1] },
  ]);
  assert.deepEqual(evalRego(mods, 'k := "q"; data.a[k] = v', { data }), [{ k: 'q', v: 2 }]);
});

test('with on input, data, rules and functions', () => {
  const src =
    'q := input.v\nf(x) := x + 1\ng(x) := x * 10\np := [a, b, c, d] if {\n  a := q with input.v as 7\n  b := q with data.t.q as 8\n  c := f(1) with f as g\n  d := f(1) with f as 5\n}';
  assert.deepEqual(x(src), [{ x: [7, 8, 10, 5] }]);
  assert.deepEqual(x('q contains v if some v in input.xs\np := {v | q[v] with input.xs as [1, 2]}'), [
    { x: [1, 2] },
  ]);
});

test('query mode binds user vars only; entrypoint mode wraps result', () => {
  const mods = [pkg('p contains 1\np contains 2')];
  assert.deepEqual(sorted(evalRego(mods, 'data.t.p[v]; _ = v')), [{ v: 1 }, { v: 2 }]);
  assert.deepEqual(evalRego(mods, 'y := data.t.p'), [{ y: [1, 2] }]);
  assert.deepEqual(evalEntrypoint(mods, ['t/p'], 't/p'), [{ result: [1, 2] }]);
});

test('builtin calls are declared in static.builtinFuncs', () => {
  const { policy } = planRego([pkg('p := count(input) + 1')], 'data.t.p = x');
  assert.deepEqual(
    policy!.static.builtinFuncs.map((b) => b.name),
    ['count', 'plus'],
  );
});

test('planner errors never throw on user input', () => {
  const r = planRego([pkg('p := 1')], 'x = y');
  assert.ok(r.errors.some((e) => e.startsWith('rego_unsafe_var_error')));
});

test('overlapping ref heads: writing into another rule value is a conflict', () => {
  assert.throws(
    () => x('p[q].r := v if { q := "q"; v := {"s": {"t": 1}} }\np.q.r.s.u := 42'),
    (e: unknown) => e instanceof InterpError && /insert conflict/.test(e.message),
  );
  assert.deepEqual(x('p[q].r.s := 1 if q := "a"\np.a.r.t := 2'), [{ x: { a: { r: { s: 1, t: 2 } } } }]);
});

test('rego.metadata.rule() and chain() become constants', () => {
  const src =
    '# METADATA\n# description: pkg\npackage t\n\n# METADATA\n# title: T\n# authors:\n# - Ann <a@b.c>\np := [rego.metadata.rule(), rego.metadata.chain()]\n';
  const rows = evalRego([src], 'data.t.p = x');
  assert.deepEqual(rows, [
    {
      x: [
        { authors: [{ name: 'Ann', email: 'a@b.c' }], scope: 'rule', title: 'T' },
        [
          {
            path: ['t', 'p'],
            annotations: { authors: [{ name: 'Ann', email: 'a@b.c' }], scope: 'rule', title: 'T' },
          },
          { path: ['t'], annotations: { description: 'pkg', scope: 'package' } },
        ],
      ],
    },
  ]);
});

test('with: replacements apply transitively, and the replacement itself calls originals', () => {
  const src = [
    'mock_count(xs) := 100 + count(xs)',
    'inner := count([1, 2])',
    'outer := inner',
    'p := [a, b] if {',
    '  a := outer with count as mock_count',
    '  b := count([1])',
    '}',
  ].join('\n');
  assert.deepEqual(x(src), [{ x: [102, 1] }]);
});

test('dynamic refs into the rule tree: data.pkgs[name].deny[msg]', () => {
  const mods = [
    'package pkgs.a\n\ndeny contains "a1"\ndeny contains "a2"',
    'package pkgs.b\n\ndeny contains "b1" if input.b',
    'package main\n\nall contains [name, msg] if { some name; data.pkgs[name].deny[msg] }\none := data.pkgs[input.k].deny',
  ];
  const data = { pkgs: { c: { deny: { c1: true } } } };
  assert.deepEqual(evalRego(mods, 'data.main.all = x', { data, input: { b: true } }), [
    {
      x: [
        ['a', 'a1'],
        ['a', 'a2'],
        ['b', 'b1'],
        ['c', 'c1'],
      ],
    },
  ]);
  assert.deepEqual(evalRego(mods, 'data.main.one = x', { data, input: { k: 'a' } }), [{ x: ['a1', 'a2'] }]);
  assert.deepEqual(evalRego(mods, 'data.main.one = x', { data, input: { k: 'c' } }), [{ x: { c1: true } }]);
});
