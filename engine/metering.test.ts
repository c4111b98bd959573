// Tests the instruction budget end to end: Rego compiled with the meter, stopped at its deadline (by
// the clock in our patched instance, by a rate-based budget in the fallback), usable again afterwards,
// and invisible to hosts that know nothing of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as opaModule from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from './builtins/index.js';
import { compile } from './compiler.js';
import { EngineError } from './errors.js';
import { loadPolicySync } from './policy.js';
import { patchFuelRefill, REFILL_BUILTIN } from './wasm/fuel-refill.js';
import { generateWasm } from './wasm/index.js';
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
  assert.equal(policy.clockDeadline, true);
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

// Work of a known size for the retry test: a (n × n) scan, well under a second once compiled.
const SCAN = `package scan
import rego.v1
pairs := count([1 | some a in numbers.range(1, input.n); some b in numbers.range(1, input.n); a < b])
`;

test('a budget spent long before the deadline (rate not yet known) is run again at the rate it showed', () => {
  const r = compile({ modules: [{ file: 'scan.rego', source: SCAN }], entrypoints: ['scan/pairs'] });
  assert.deepEqual(r.diagnostics, []);
  // One step a millisecond: the first run's budget is spent at once, far from the deadline.
  const policy = loadPolicySync(r.wasm!, { fuelRate: 1, clockDeadline: false });
  assert.equal(policy.clockDeadline, false);
  assert.deepEqual(policy.evaluate({ n: 300 }, 'scan/pairs', { timeoutMs: 30_000 }), [{ result: 44_850 }]);
  // A runaway evaluation still stops: the retries are bounded by the deadline.
  assert.throws(
    () => policy.evaluate({ n: 1_000_000 }, 'scan/pairs', { timeoutMs: 50 }),
    (e) => e instanceof EngineError && e.code === 'SM_ERR_ENGINE_TIMEOUT',
  );
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

test('a clock deadline never stops an evaluation early, and stops one that would run for seconds', () => {
  // Rate mode with a rate far too high would let this run to completion (seconds); clock mode may
  // only stop it once the deadline has passed, never before.
  const policy = loadPolicySync(build(), { fuelRate: 1e9 });
  for (const timeoutMs of [1, 30]) {
    const start = performance.now();
    assert.throws(
      () => policy.evaluate({ k: 7 }, 'slow/allow', { timeoutMs }),
      (e) => e instanceof EngineError && e.code === 'SM_ERR_ENGINE_TIMEOUT',
    );
    assert.ok(performance.now() - start >= timeoutMs, `stopped before its ${timeoutMs} ms deadline`);
  }
  assert.deepEqual(policy.evaluate({ k: 7 }, 'slow/fast', { timeoutMs: 1000 }), [{ result: 8 }]);
});

/** The builtin names a loaded instance declares (its `builtins()` export). */
function instanceBuiltins(policy: ReturnType<typeof loadPolicySync>): string[] {
  const ex = policy.sdkPolicy.wasmInstance.exports as Record<string, (...a: number[]) => number>;
  const addr = ex.opa_json_dump(ex.builtins());
  const bytes = new Uint8Array(policy.sdkPolicy.mem.buffer);
  const end = bytes.indexOf(0, addr);
  return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as object);
}

test('the clock patch lives only in our instance: the shipped bytes are unchanged and declare nothing', () => {
  const wasm = build();
  const copy = wasm.slice();
  const policy = loadPolicySync(wasm);
  assert.deepEqual(wasm, copy);
  assert.deepEqual(Object.keys(inspectPolicy(wasm).builtins), []);
  assert.deepEqual(instanceBuiltins(policy), [REFILL_BUILTIN]);
  assert.deepEqual(policy.missingBuiltins, []);
  // Unpatched on request, or when the module has no meter to patch.
  assert.deepEqual(instanceBuiltins(loadPolicySync(wasm, { clockDeadline: false })), []);
  const r = compile({ modules: [{ file: 'slow.rego', source: SLOW }], entrypoints: ['slow/fast'] });
  assert.equal(patchFuelRefill(generateWasm(r.policy!, { meter: false })), undefined);
  assert.equal(patchFuelRefill(new Uint8Array([1, 2, 3])), undefined);
});
