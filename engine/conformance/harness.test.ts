// Tests for the conformance harness: result comparison, case ids, the exceptions gate, the worker
// pool's handling of hangs and crashes, and an end-to-end run of three hand-picked cases.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCases } from './cases.js';
import { checkGate, updateExceptions } from './exceptions.js';
import { expectationOf, judgeEvalError, judgeRows, sameRows } from './expectations.js';
import { runConformance } from './harness.js';
import { runInPool } from './pool.js';
import type { CaseInput } from './run-case.js';

const fixture = (p: string) => fileURLToPath(new URL(`./fixtures/${p}`, import.meta.url));

test('result sets compare as sets of rows; sort_bindings makes array bindings order-free', () => {
  assert.ok(sameRows([{ x: 1 }, { x: 2 }], [{ x: 2 }, { x: 1 }], false));
  assert.ok(sameRows([{ x: { b: 1, a: 2 } }], [{ x: { a: 2, b: 1 } }], false));
  assert.ok(!sameRows([{ x: [2, 1] }], [{ x: [1, 2] }], false));
  assert.ok(sameRows([{ x: [2, 1] }], [{ x: [1, 2] }], true));
  assert.ok(!sameRows([{ x: 1 }], [], false));
});

test('strict errors want an empty result; conflicts want the conflict message', () => {
  const strict = expectationOf({
    note: 'n',
    query: 'q',
    want_error_code: 'eval_type_error',
    strict_error: true,
  });
  assert.equal(judgeRows(strict, []), undefined);
  assert.match(judgeRows(strict, [{ x: 1 }]) ?? '', /empty result/);
  const conflict = expectationOf({ note: 'n', query: 'q', want_error_code: 'eval_conflict_error' });
  assert.equal(judgeEvalError(conflict, 'module-0.rego:3:1: var assignment conflict'), undefined);
  assert.match(judgeEvalError(conflict, 'divide by zero') ?? '', /conflict/);
  const strictMode = expectationOf({ note: 'n', query: 'q', want_result: [{ x: 1 }], strict_error: true });
  assert.equal(strictMode.kind, 'result');
  const defined = expectationOf({ note: 'n', query: 'q', want_defined: false });
  assert.equal(judgeRows(defined, []), undefined);
});

test('repeated notes get distinct ids in file order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-conf-'));
  const doc =
    'cases:\n  - {note: t/a, query: x = 1}\n  - {note: t/a, query: x = 2}\n  - {note: t/b, query: x = 3, input: null}\n';
  writeFileSync(join(dir, 'c.yaml'), doc);
  const cases = loadCases(dir);
  assert.deepEqual(
    cases.map((c) => c.id),
    ['t/a', 't/a#2', 't/b'],
  );
  assert.deepEqual(
    cases.map((c) => c.hasInput),
    [false, false, true],
  );
});

test('the gate fails on crashes, on listed cases that pass, and on unlisted failures', () => {
  const r = (id: string, status: 'passed' | 'failed' | 'crashed') => ({
    id,
    topic: 't',
    outcome: { status, ms: 0 },
  });
  const results = [r('a', 'passed'), r('b', 'failed'), r('c', 'crashed'), r('d', 'failed')];
  const gate = checkGate(
    results,
    new Map([
      ['a', 'x'],
      ['b', 'x'],
    ]),
  );
  assert.deepEqual(
    [gate.crashed, gate.nowPassing, gate.regressions].map((l) => l.map((x) => x.id)),
    [['c'], ['a'], ['d']],
  );
  const updated = updateExceptions(
    new Map([
      ['a', 'x'],
      ['z', 'kept'],
    ]),
    results,
  );
  assert.deepEqual([...updated.keys()].sort(), ['b', 'c', 'd', 'z']);
  // A reason written by hand stays while its case fails, and goes when it passes.
  const noted = updateExceptions(
    new Map([
      ['a', 'note: by hand'],
      ['b', 'note: by hand'],
    ]),
    results,
  );
  assert.equal(noted.get('b'), 'note: by hand');
  assert.equal(noted.has('a'), false);
  assert.ok(checkGate([r('a', 'passed'), r('b', 'failed')], new Map([['b', 'x']])).ok);
});

test('the pool reports a hanging case and a dying worker as crashed and carries on', async () => {
  const cases = ['ok1', 'hang', 'die', 'ok2', 'ok3'].map(
    (note) => ({ note, query: 'x', hasInput: false }) as CaseInput,
  );
  const outcomes = await runInPool(cases, {
    jobs: 2,
    timeoutMs: 1_500,
    workerEntry: new URL('./fixtures/misbehaving-worker.ts', import.meta.url),
  });
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['passed', 'crashed', 'crashed', 'passed', 'passed'],
  );
  assert.match(outcomes[1].reason ?? '', /timeout/);
  assert.match(outcomes[2].reason ?? '', /worker died/);
});

test('three hand-picked cases pass end to end through compiler and SDK', async () => {
  const run = await runConformance({ casesDir: fixture('suite'), jobs: 1, timeoutMs: 30_000 });
  const failures = run.results
    .filter((r) => r.outcome.status !== 'passed')
    .map((r) => `${r.id}: ${r.outcome.reason}`);
  assert.deepEqual(failures, []);
  assert.equal(run.summary.passed, 3);
});
