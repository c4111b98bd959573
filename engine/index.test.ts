// Tests for the engine's public API: bundle build → read → load → evaluate, inputs that are falsy,
// data from the bundle, and runtime errors surfacing as coded errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildBundle, EngineError, loadPolicy, readBundle } from './index.js';

const MODULES = [
  {
    file: 'policies/decision.rego',
    source: [
      'package semamesh.decision',
      '',
      'default main := {"action": "ALLOW"}',
      '',
      'main := {"action": "BLOCK"} if input.intent in data.blocked',
      '',
      'echo := input',
      '',
      'conflict = input.a',
      'conflict = input.b',
      '',
    ].join('\n'),
  },
];
const ENTRYPOINTS = ['semamesh/decision/main', 'semamesh/decision/echo', 'semamesh/decision/conflict'];

test('a built bundle loads with its data and evaluates each entrypoint', async () => {
  const built = buildBundle({
    modules: MODULES,
    entrypoints: ENTRYPOINTS,
    data: { blocked: ['delete:database'] },
  });
  assert.deepEqual(built.diagnostics, []);
  assert.ok(built.bundle);
  const bundle = readBundle(built.bundle);
  assert.deepEqual(bundle.entrypoints, ENTRYPOINTS);
  assert.deepEqual(
    bundle.modules.map((m) => m.file),
    ['/policies/decision.rego'],
  );

  const policy = await loadPolicy(built.bundle);
  assert.deepEqual(Object.keys(policy.entrypoints).sort(), [...ENTRYPOINTS].sort());
  assert.deepEqual(policy.evaluate({ intent: 'delete:database' }, 'semamesh/decision/main'), [
    { result: { action: 'BLOCK' } },
  ]);
  assert.deepEqual(policy.evaluate({ intent: 'read:table' }, 'semamesh/decision/main'), [
    { result: { action: 'ALLOW' } },
  ]);
});

test('falsy inputs reach the policy as values, and no input is undefined', async () => {
  const built = buildBundle({ modules: MODULES, entrypoints: ENTRYPOINTS });
  assert.ok(built.bundle);
  const policy = await loadPolicy(built.bundle);
  for (const falsy of [false, 0, '', null]) {
    assert.deepEqual(policy.evaluate(falsy, 'semamesh/decision/echo'), [{ result: falsy }]);
  }
  assert.deepEqual(policy.evaluate(undefined, 'semamesh/decision/echo'), []);
});

test('a conflict at evaluation time is a coded error carrying the runtime message', async () => {
  const built = buildBundle({ modules: MODULES, entrypoints: ENTRYPOINTS });
  assert.ok(built.bundle);
  const policy = await loadPolicy(built.bundle);
  assert.throws(
    () => policy.evaluate({ a: 1, b: 2 }, 'semamesh/decision/conflict'),
    (err: unknown) =>
      err instanceof EngineError && err.code === 'SM_ERR_ENGINE_EVAL' && /conflict/.test(err.message),
  );
});

test('the same sources give byte-identical bundles; no entrypoint is a diagnostic', () => {
  const a = buildBundle({ modules: MODULES, entrypoints: ENTRYPOINTS, revision: 'r1' });
  const b = buildBundle({ modules: MODULES, entrypoints: ENTRYPOINTS, revision: 'r1' });
  assert.ok(a.bundle && b.bundle);
  assert.deepEqual(a.bundle, b.bundle);
  const none = buildBundle({ modules: MODULES, entrypoints: [] });
  assert.equal(none.bundle, undefined);
  assert.match(none.diagnostics[0]?.message ?? '', /entrypoint/);
});

test('garbage instead of a policy is a coded load error', async () => {
  await assert.rejects(
    loadPolicy(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99])),
    (err: unknown) => err instanceof EngineError && err.code === 'SM_ERR_ENGINE_POLICY_LOAD',
  );
});
