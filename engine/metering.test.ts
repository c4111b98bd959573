// Tests the instruction budget end to end: Rego compiled with the meter, stopped at its deadline by
// the host, usable again afterwards, and harmless to hosts that know nothing of metering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as opaModule from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from './builtins/index.js';
import { compile } from './compiler.js';
import { EngineError } from './errors.js';
import { loadPolicySync } from './policy.js';

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

test('the plain opa-wasm SDK, knowing nothing of the meter, evaluates a metered module', async () => {
  type Loaded = { evaluate(input: unknown, entrypoint: string): unknown };
  type Sdk = { loadPolicy(wasm: Uint8Array, mem: object, builtins: object): Promise<Loaded> };
  const sdk = (opaModule as unknown as { default: Sdk }).default;
  const p = await sdk.loadPolicy(build(), {}, hostBuiltins);
  assert.deepEqual(p.evaluate({ k: 1 }, 'slow/fast'), [{ result: 2 }]);
});
