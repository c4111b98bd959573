// Tests the instruction budget end to end: Rego compiled with the meter, stopped near its deadline by
// the budget the host sets, usable again afterwards, and invisible to hosts that know nothing of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as opaModule from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from './builtins/index.js';
import { compile } from './compiler.js';
import { EngineError } from './errors.js';
import { DEFAULT_RATE } from './metering.js';
import { loadPolicySync } from './policy.js';
import { inspectPolicy } from './wasm/testing/sdk-inspect.js';

// A cartesian product of 2000 × 2000 numbers: seconds of work, all of it in generated loops.
const SLOW = `package slow
import rego.v1
n := numbers.range(1, 2000)
allow if count({[a, b] | some a in n; some b in n; a + b == input.k}) > 1000000
fast := input.k + 1
`;

function build() {
  const r = compile({
    modules: [{ file: 'slow.rego', source: SLOW }],
    entrypoints: ['slow/allow', 'slow/fast'],
  });
  assert.deepEqual(r.diagnostics, []);
  return r.wasm!;
}

test('a long evaluation is stopped at its deadline with SM_ERR_ENGINE_TIMEOUT, and the instance still works', () => {
  const policy = loadPolicySync(build());
  assert.equal(policy.metered, true);
  assert.deepEqual(policy.missingBuiltins, []);
  assert.throws(
    () => policy.evaluate({ k: 7 }, 'slow/allow', { timeoutMs: 20 }),
    (e) => e instanceof EngineError && e.code === 'SM_ERR_ENGINE_TIMEOUT',
  );
  // The next evaluation starts with a fresh budget and heap.
  assert.deepEqual(policy.evaluate({ k: 7 }, 'slow/fast', { timeoutMs: 1000 }), [{ result: 8 }]);
  assert.throws(
    () => policy.evaluate({ k: 3 }, 'slow/allow', { timeoutMs: 5 }),
    (e) => e instanceof EngineError && e.code === 'SM_ERR_ENGINE_TIMEOUT',
  );
});

test('the budget follows the entrypoint\'s measured rate, so the deadline holds after a first run', () => {
  const policy = loadPolicySync(build());
  const timeoutMs = 40;
  const timed = () => {
    const start = performance.now();
    assert.throws(
      () => policy.evaluate({ k: 7 }, 'slow/allow', { timeoutMs }),
      (e) => e instanceof EngineError && e.code === 'SM_ERR_ENGINE_TIMEOUT',
    );
    return performance.now() - start;
  };
  // The first run is budgeted at the default rate; it teaches the gauge this entrypoint's rate.
  timed();
  // Each later run is budgeted from what the previous ones measured: it stops, and not absurdly
  // early or late (the bounds are loose: this machine is shared, and they only catch a rate that is
  // off by an order of magnitude, which is what a broken calibration would give).
  const runs = [timed(), timed(), timed()].sort((a, b) => a - b);
  const median = runs[1]!;
  assert.ok(median > timeoutMs / 4 && median < timeoutMs * 8, `stopped after ${runs.join(', ')} ms`);
  // Without a timeout the same instance is unmetered again: a cheap entrypoint still answers.
  assert.deepEqual(policy.evaluate({ k: 7 }, 'slow/fast'), [{ result: 8 }]);
  assert.ok(DEFAULT_RATE > 0);
});

test('the meter adds no import and no builtin: the module asks its host for nothing OPA lacks', () => {
  const shape = inspectPolicy(build());
  assert.deepEqual(Object.keys(shape.builtins), []);
  // Only the env functions every OPA wasm host provides.
  const opaHost = new Set(['opa_abort', 'opa_println', ...[0, 1, 2, 3, 4].map((n) => `opa_builtin${n}`)]);
  assert.deepEqual(
    shape.imports.filter((name) => !opaHost.has(name)),
    [],
  );
});

test('the plain opa-wasm SDK, knowing nothing of the meter, evaluates a metered module', async () => {
  type Loaded = { evaluate(input: unknown, entrypoint: string): unknown };
  type Sdk = { loadPolicy(wasm: Uint8Array, mem: object, builtins: object): Promise<Loaded> };
  const sdk = (opaModule as unknown as { default: Sdk }).default;
  const p = await sdk.loadPolicy(build(), {}, hostBuiltins);
  assert.deepEqual(p.evaluate({ k: 1 }, 'slow/fast'), [{ result: 2 }]);
});
