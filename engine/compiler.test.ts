// Tests for the orchestrator: stage order, stopping at the first failing stage, query mode, and
// turning a throwing stage into an "internal error" diagnostic instead of an exception.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from './compiler.js';
import { loadPolicySync } from './policy.js';

const POLICY = 'package app\n\nallow if input.user == "alice"\n\nlevel := 3\n';

test('a valid module compiles to wasm for its entrypoints, with per-stage timings', () => {
  const result = compile({
    modules: [{ file: 'app.rego', source: POLICY }],
    entrypoints: ['app/allow', 'app/level'],
  });
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.wasm && result.wasm.length > 8);
  assert.ok(result.policy);
  assert.deepEqual(Object.keys(result.timings).sort(), ['compile', 'parse', 'plan', 'total', 'wasm']);
  const policy = loadPolicySync(result.wasm);
  assert.deepEqual(policy.evaluate({ user: 'alice' }, 'app/allow'), [{ result: true }]);
  assert.deepEqual(policy.evaluate({}, 'app/level'), [{ result: 3 }]);
});

test('parse errors stop the pipeline and carry a location', () => {
  const result = compile({
    modules: [
      { file: 'bad.rego', source: 'package app\n\nallow if {\n' },
      { file: 'ok.rego', source: POLICY },
    ],
    entrypoints: ['app/allow'],
  });
  assert.equal(result.wasm, undefined);
  assert.ok(result.diagnostics.length > 0);
  assert.ok(result.diagnostics.every((d) => d.code === 'rego_parse_error'));
  assert.equal(result.diagnostics[0].location?.file, 'bad.rego');
  assert.equal(result.internalError, undefined);
});

test('semantic errors are reported with their OPA code and no wasm is produced', () => {
  const result = compile({
    modules: [{ file: 'u.rego', source: 'package app\n\np if x > 1\n' }],
    entrypoints: ['app/p'],
  });
  assert.equal(result.wasm, undefined);
  assert.ok(result.diagnostics.some((d) => d.code === 'rego_unsafe_var_error'));
});

test('query mode plans one entrypoint whose rows bind the query variables', () => {
  const result = compile({
    modules: [{ file: 'app.rego', source: POLICY }],
    query: 'data.app.level = x; y := x + 1',
  });
  assert.deepEqual(result.diagnostics, []);
  assert.ok(result.wasm);
  assert.deepEqual(loadPolicySync(result.wasm).evaluate(undefined), [{ x: 3, y: 4 }]);
});

test('without entrypoints or a query only the checks run', () => {
  const result = compile({ modules: [{ file: 'app.rego', source: POLICY }] });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.wasm, undefined);
  assert.ok(result.modules?.length === 1);
});

test('an exception inside a stage becomes an internal-error diagnostic, never a throw', () => {
  const exploding = {
    file: 'x.rego',
    get source(): string {
      throw new Error('boom');
    },
  };
  const result = compile({ modules: [exploding], entrypoints: ['x/p'] });
  assert.equal(result.wasm, undefined);
  assert.equal(result.internalError?.stage, 'parse');
  assert.equal(result.diagnostics.length, 1);
  assert.equal(result.diagnostics[0].code, 'rego_compile_error');
  assert.match(result.diagnostics[0].message, /internal error.*boom/);
});

test('entrypoints must name a rule, a package, or a path into a rule', () => {
  const modules = [{ file: 'app.rego', source: POLICY }];
  for (const ok of ['app', 'app/allow', 'app/level/x']) {
    assert.deepEqual(compile({ modules, entrypoints: [ok] }).diagnostics, [], ok);
  }
  for (const bad of ['nope/allow', 'app/alow', 'app//allow', '']) {
    const result = compile({ modules, entrypoints: [bad] });
    assert.equal(result.wasm, undefined, bad);
    assert.match(result.diagnostics[0]?.message ?? '', /entrypoint/, bad);
  }
});
