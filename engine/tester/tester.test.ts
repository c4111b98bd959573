// Tests of `semamesh test`: outcomes, opa-test output format, --run filtering, exit codes and data loading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  exitCode,
  formatJson,
  formatPretty,
  goDuration,
  parseGoDuration,
  runTests,
  runTestsWithTimeout,
} from './index.js';

const policy = {
  file: 'authz.rego',
  source: `package authz
import rego.v1
default allow := false
allow if input.user == "admin"
limit := data.config.limit
`,
};

const tests = {
  file: 'authz_test.rego',
  source: `package authz_test
import rego.v1
import data.authz
test_admin_allowed if authz.allow with input as {"user": "admin"}
test_guest_denied if not authz.allow with input as {"user": "guest"}
test_limit_from_data if authz.limit == 10
test_broken_on_purpose if authz.allow with input as {"user": "guest"}
test_conflict if {
  x := {"a": 1}
  x.a == 2
}
todo_test_later if false
`,
};

test('runs every test rule and classifies pass, fail and skip', () => {
  const run = runTests({ modules: [policy, tests], data: { config: { limit: 10 } } });
  assert.deepEqual(run.diagnostics, []);
  const outcome = Object.fromEntries(run.results.map((r) => [r.name, r.outcome]));
  assert.deepEqual(outcome, {
    test_admin_allowed: 'pass',
    test_guest_denied: 'pass',
    test_limit_from_data: 'pass',
    test_broken_on_purpose: 'fail',
    test_conflict: 'fail',
    todo_test_later: 'skip',
  });
  assert.equal(exitCode(run), 2);
  const broken = run.results.find((r) => r.name === 'test_broken_on_purpose')!;
  assert.deepEqual(broken.location, { file: 'authz_test.rego', row: 7, col: 1 });
});

test('pretty output matches opa test: failures only under file:row, dashes, counts', () => {
  const run = runTests({ modules: [policy, tests], data: { config: { limit: 10 } } });
  const text = formatPretty(run, false).replace(/\(\d[^)]*\)/g, '(T)');
  assert.equal(
    text,
    [
      'authz_test.rego:7:',
      'data.authz_test.test_broken_on_purpose: FAIL (T)',
      'authz_test.rego:8:',
      'data.authz_test.test_conflict: FAIL (T)',
      'authz_test.rego:12:',
      'data.authz_test.todo_test_later: SKIPPED',
      '-'.repeat(80),
      'PASS: 3/6',
      'FAIL: 2/6',
      'SKIPPED: 1/6',
      '',
    ].join('\n'),
  );
  const verbose = formatPretty(run, true);
  assert.match(verbose, /authz_test\.rego:4:\ndata\.authz_test\.test_admin_allowed: PASS \(\d/);
  assert.match(verbose, /\nFAILURES\n-{80}\ndata\.authz_test\.test_broken_on_purpose: FAIL \(\d/);
});

test('--run selects tests by name and exit code is 0 when all pass', () => {
  const run = runTests({
    modules: [policy, tests],
    data: { config: { limit: 10 } },
    run: /admin|guest_denied/,
  });
  assert.deepEqual(
    run.results.map((r) => r.name),
    ['test_admin_allowed', 'test_guest_denied'],
  );
  assert.equal(exitCode(run), 0);
});

test('json output has opa test fields', () => {
  const run = runTests({ modules: [policy, tests], data: { config: { limit: 10 } }, run: /broken|todo/ });
  const items = JSON.parse(formatJson(run)) as Record<string, unknown>[];
  assert.equal(items.length, 2);
  assert.equal(items[0].fail, true);
  assert.equal(items[0].package, 'data.authz_test');
  assert.deepEqual(items[0].location, { file: 'authz_test.rego', row: 7, col: 1 });
  assert.equal(items[1].skip, true);
});

test('a compile error is reported with its location and exit code 1', () => {
  const run = runTests({ modules: [{ file: 'bad_test.rego', source: 'package bad\ntest_x if { y }\n' }] });
  assert.equal(run.results.length, 0);
  assert.equal(run.diagnostics[0].code, 'rego_unsafe_var_error');
  assert.deepEqual(run.diagnostics[0].location, { file: 'bad_test.rego', row: 2, col: 13 });
  assert.equal(exitCode(run), 1);
});

test('a runtime error is an ERROR outcome', () => {
  const src = `package e_test
import rego.v1
p := 1 if input.x
p := 2 if input.x
test_conflict if p with input as {"x": true}
`;
  const run = runTests({ modules: [{ file: 'e_test.rego', source: src }] });
  assert.equal(run.results[0].outcome, 'error');
  assert.match(run.results[0].error ?? '', /conflict/);
  assert.equal(exitCode(run), 2);
});

test('durations print like Go', () => {
  assert.equal(goDuration(512), '512ns');
  assert.equal(goDuration(1417), '1.417µs');
  assert.equal(goDuration(12_500_000), '12.5ms');
  assert.equal(goDuration(1_200_000_000), '1.2s');
});

test('--timeout stops a test that runs too long and goes on with the next ones', async () => {
  const src = `package slow
test_slow if count([x | some x in numbers.range(1, 3000000); x % 7 == 0]) > 0
test_after if true
`;
  const run = await runTestsWithTimeout({ modules: [{ file: 'slow_test.rego', source: src }] }, 100);
  const byName = Object.fromEntries(run.results.map((r) => [r.name, r]));
  assert.equal(byName.test_slow.outcome, 'error');
  assert.match(byName.test_slow.error ?? '', /^eval_cancel_error: test timed out after 100ms/);
  assert.equal(byName.test_after.outcome, 'pass');
  assert.equal(JSON.parse(formatJson(run))[0].error.code, 'eval_cancel_error');
  assert.equal(exitCode(run), 2);
});

test('Go durations for --timeout', () => {
  assert.equal(parseGoDuration('5s'), 5000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('5 s'), undefined);
});

test('--coverage: reached and unreached rule heads and expressions, per line', () => {
  const src = `package cov
allow if {
  input.role == "admin"
}
deny contains "x" if {
  input.role == "guest"
}
test_allow if allow with input as {"role": "admin"}
`;
  const run = runTests({ modules: [{ file: 'cov.rego', source: src }], coverage: true });
  const file = run.coverage?.files['cov.rego'];
  assert.ok(file);
  const rows = (rs: { start: { row: number } }[] | undefined) => [
    ...new Set((rs ?? []).map((r) => r.start.row)),
  ];
  assert.deepEqual(rows(file.covered), [2, 3, 8]);
  assert.deepEqual(rows(file.not_covered), [5, 6]);
  assert.equal(file.coverage, 60);
  assert.equal(run.coverage?.coverage, 60);
});
