// Compile-stage tests: diagnostics (codes and messages as OPA reports them) and body reordering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileErrors, evalRego } from '../plan/testing.js';
import { parseModule, parseQuery, printBody } from '../syntax/index.js';
import { compileModules } from './index.js';

const pkg = (body: string) => `package t\n\n${body}\n`;

test('unsafe vars are reported with OPA code and user name', () => {
  assert.deepEqual(compileErrors([pkg('p if { x > 1 }')]), ['rego_unsafe_var_error: var x is unsafe']);
  assert.deepEqual(compileErrors([pkg('p contains y if { x := 1 }')]), [
    'rego_unsafe_var_error: var y is unsafe',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { not q[x] }\nq contains 1')]), [
    'rego_unsafe_var_error: var x is unsafe',
  ]);
});

test('recursion is reported with the cycle', () => {
  const errs = compileErrors([pkg('p if q\nq if p')]);
  assert.ok(
    errs.includes('rego_recursion_error: rule data.t.p is recursive: data.t.p -> data.t.q -> data.t.p'),
    errs.join(),
  );
});

test('function args must not shadow input or data', () => {
  assert.deepEqual(compileErrors([pkg('f(input) := 1')]), [
    'rego_compile_error: args must not shadow input (use a different variable name)',
  ]);
});

test('invalid assignments', () => {
  assert.deepEqual(compileErrors([pkg('p if { not x := 1 }')]), [
    'rego_compile_error: cannot assign vars inside negated expression',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { [x, 1] := [1, 1] }')]), [
    'rego_compile_error: cannot assign to number',
  ]);
});

test('redeclared local, undefined function and arity errors', () => {
  assert.deepEqual(compileErrors([pkg('p if { input := 1 }')]), [
    'rego_compile_error: variables must not shadow input (use a different variable name)',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { y > 1; y := 2 }')]), [
    'rego_compile_error: var y referenced above',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { x := 1; x := 2 }')]), [
    'rego_compile_error: var x assigned above',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { nope(1) }')]), ['rego_type_error: undefined function nope']);
  const arity = compileErrors([pkg('p if { count(1, 2, 3) }')]);
  assert.equal(arity.length, 1);
  assert.match(arity[0], /^rego_type_error: count: arity mismatch/);
});

test('rule conflicts: kinds, defaults, function arity', () => {
  assert.deepEqual(compileErrors([pkg('p := 1\np contains 2')]), [
    'rego_type_error: conflicting rules data.t.p found',
  ]);
  assert.deepEqual(compileErrors([pkg('default p := 1\ndefault p := 2')]), [
    'rego_type_error: multiple default rules data.t.p found',
  ]);
  assert.deepEqual(compileErrors([pkg('f(x) := 1\nf(x, y) := 2')]), [
    'rego_type_error: conflicting rules data.t.f found',
  ]);
});

test('bodies are reordered so that inputs are bound first', () => {
  const m = parseModule(pkg('p if { y > 1; y = x + 1; x = input.a }'), 'x.rego').module!;
  const c = compileModules([m]);
  assert.deepEqual(c.diagnostics, []);
  const body = printBody(c.program!.modules[0].rules[0].body);
  const order = ['input.a', 'plus', 'y > 1'].map((s) => body.indexOf(s));
  assert.ok(order[0] < order[1] && order[1] < order[2], body);
});

test('imports, aliases and rego.v1 resolve to full refs', () => {
  const lib = 'package lib\n\nallow if true';
  const main =
    'package main\n\nimport rego.v1\nimport data.lib\nimport data.lib.allow as ok\n\np if { lib.allow; ok }';
  assert.deepEqual(compileErrors([lib, main]), []);
});

test('diagnostics are capped at 10', () => {
  const rules = Array.from({ length: 15 }, (_, i) => `p${i} if { x${i} > 1 }`).join('\n');
  assert.equal(compileErrors([pkg(rules)]).length, 10);
});

test('literal operands of the wrong type are type errors', () => {
  assert.deepEqual(compileErrors([pkg('p if { startswith(1, "a") }')]), [
    'rego_type_error: startswith: invalid argument(s)',
  ]);
  assert.deepEqual(compileErrors([pkg('p if { startswith(input.x, "a") }')]), []);
});

test('deprecated builtins are rejected in Rego v1', () => {
  assert.deepEqual(compileErrors([pkg('p if re_match("a", "a")')]), [
    'rego_type_error: deprecated built-in function calls in expression: re_match',
  ]);
});

test('with targets must be input, data or a function', () => {
  assert.deepEqual(compileErrors([pkg('p if { true with foo as 1 }')]), [
    'rego_compile_error: with keyword target must reference existing input, data, or a function',
  ]);
  assert.deepEqual(compileErrors([pkg('f(x) := x\np if { f(1) with f as 2; true with input.a as 1 }')]), []);
});

test('print calls are dropped unless enabled, then wrap operands in sets', () => {
  const m = parseModule(pkg('p if { x := 1; print("x", x) }'), 'x.rego').module!;
  const dropped = printBody(compileModules([m]).program!.modules[0].rules[0].body);
  assert.ok(!dropped.includes('print'), dropped);
  const kept = printBody(compileModules([m], { print: true }).program!.modules[0].rules[0].body);
  assert.match(kept, /internal\.print\(\[\{\$\d+ \| \$\d+ = "x"\}, \{\$\d+ \| \$\d+ = \$\d+\}\]\)/);
});

test('names resolve across every module of a package, and not across packages', () => {
  const policy = 'package x\n\nallow if input.user == "alice"\n\nhelper(v) := v * 2\n';
  const tests = 'package x\n\ntest_allow if allow with input as {"user": "alice"}\n\nt := helper(2)\n';
  assert.deepEqual(evalRego([policy, tests], 'data.x.t = v'), [{ v: 4 }]);
  assert.deepEqual(evalRego([policy, tests], 'data.x.test_allow = v'), [{ v: true }]);
  // The other direction: the first module uses a rule from the second.
  assert.deepEqual(evalRego(['package x\n\np := q + 1\n', 'package x\n\nq := 41\n'], 'data.x.p = v'), [
    { v: 42 },
  ]);
  // A module of another package does not see `helper`.
  assert.deepEqual(compileErrors([policy, 'package y\n\nt := helper(2)\n']), [
    'rego_type_error: undefined function helper',
  ]);
});

test('Rego v0 modules: bodies without if, p[x] { } partial sets, deprecated builtins', () => {
  const src =
    'package v\n\ndefault a = false\n\na { input.x == 1 }\n\ns[x] { some x in [1, 2] }\n\nd := any([true])\n';
  const m = parseModule(src, 'v.rego', { regoVersion: 0 }).module!;
  assert.equal(m.regoVersion, 0);
  const c = compileModules([m], { query: parseQuery('x = data.v').body });
  assert.deepEqual(c.diagnostics, []);
  // The same text is not v1.
  assert.ok(
    parseModule(src, 'v.rego').diagnostics.some((d) => d.message.includes('`if` keyword is required')),
  );
  assert.deepEqual(compileErrors([pkg('d := any([true])')]), [
    'rego_type_error: deprecated built-in function calls in expression: any',
  ]);
});
