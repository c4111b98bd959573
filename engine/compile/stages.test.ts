// Golden-style checks of individual rewrites: the compiled rule bodies printed back as Rego.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModule, parseQuery, printBody, printTerm } from '../syntax/index.js';
import { compileModules } from './index.js';

function compiled(src: string): string[] {
  const m = parseModule(src, 'x.rego').module!;
  const c = compileModules([m]);
  assert.deepEqual(c.diagnostics, []);
  return c.program!.modules[0].rules.map(
    (r) => `${printTerm(r.head.value ?? r.head.key!)} <= ${printBody(r.body).replace(/\n/g, '; ')}`,
  );
}

test('resolve: rule names and import aliases become data refs', () => {
  const out = compiled('package a\n\nimport data.lib.x as y\n\nq := 1\np := [q, y.z] if true');
  assert.equal(out[1], '[data.a.q, data.lib.x.z] <= true');
});

test('locals: declarations get fresh names, wildcards are distinct', () => {
  const out = compiled('package a\n\np := x if { x := input.a; input.b[_] = input.c[_] }');
  assert.match(out[0], /^\$(\d+) <= \$\1 = input\.a; input\.b\[\$_\d+\] = input\.c\[\$_\d+\]$/);
  const [, w1, w2] = /\[(\$_\d+)\].*\[(\$_\d+)\]/.exec(out[0])!;
  assert.notEqual(w1, w2);
});

test('flatten: nested calls are hoisted before their expression', () => {
  const out = compiled('package a\n\np if count(input.xs) > 1');
  assert.match(out[0], /^true <= count\(input\.xs, (\$\d+)\); \1 > 1$/);
});

test('some x in xs becomes iteration; head refs with vars move into the body', () => {
  const out = compiled('package a\n\np contains x if { some x in input.xs }\nq := input.ys[_]');
  assert.match(out[0], /^(\$\d+) <= input\.xs\[\$_\d+\] = \1$/);
  assert.match(out[1], /^(\$\d+) <= true; \1 = input\.ys\[\$_\d+\]$/);
});

test('query vars keep their user names for result rows', () => {
  const q = parseQuery('x := data.a.p; y = x; z := [1]').body!;
  const c = compileModules([parseModule('package a\n\np := 1', 'x.rego').module!], { query: q });
  assert.deepEqual(
    c.program!.queryVars.map(([, name]) => name),
    ['x', 'y', 'z'],
  );
});
