// `semamesh test --bench` against `opa test --bench`: the same report shape (pretty and
// `--format json` with `benchmark_result`, the memory columns with `--benchmem`, opa's default, and
// without them under `--benchmem=false`) and exit code, and `--count` repeating runs as opa does.
// Timings, iteration counts and memory figures differ by nature (Go's heap vs our wasm heap) and
// are masked to whether they are positive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { findOpa, runOpa } from '../../engine/reference/opa.js';

const { skip } = findOpa();
const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = 'test/interop/fixtures/bench';

function ours(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/semamesh.ts', 'test', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const theirs = (args: string[]) => runOpa(['test', ...args], { cwd: ROOT });

/** Benchmark lines reduced to the test's name and its columns' units; lines sorted (opa runs in parallel). */
const normalPretty = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      l
        .replace(/ \(\d+(\.\d+)?(ns|µs|ms|s|m)\)$/, '')
        .replace(/\t\s*\d+(\.\d+)?(?= )/g, '\t<n>')
        .replace(/^(\S+)\t\s*\d+(?=\t)/, '$1\t<N>'),
    )
    .sort();

interface BenchItem {
  name: string;
  duration: number;
  location: { file: string; row: number };
  benchmark_result: {
    N: number;
    T: number;
    MemAllocs: number;
    MemBytes: number;
    Extra: Record<string, number> | null;
  };
}

/** Timings and memory masked (counts to whether they are positive), sorted by location. */
function normalJson(text: string) {
  const items = JSON.parse(text) as BenchItem[];
  return items
    .map((r) => {
      const b = r.benchmark_result;
      return {
        ...r,
        duration: typeof r.duration,
        benchmark_result: {
          ...b,
          MemAllocs: b.MemAllocs > 0,
          MemBytes: b.MemBytes > 0,
          N: b.N > 0,
          T: b.T > 0,
          Extra: b.Extra && Object.fromEntries(Object.entries(b.Extra).map(([k, v]) => [k, v > 0])),
        },
      };
    })
    .sort((a, b) => a.location.row - b.location.row);
}

test('opa test --bench vs semamesh test --bench: same report shape and exit code', { skip }, () => {
  const o = theirs(['--bench', FIXTURE]);
  const s = ours(['--bench', FIXTURE]);
  assert.equal(s.status, 2, s.stderr);
  assert.equal(s.status, o.status, s.stderr);
  // ns/op as Go prints it: whole numbers from 999.95 up, one to four decimals below (906.8 ns/op).
  assert.match(s.stdout, /^data\.bench\.authz\.test_admin_allowed\t\s+\d+\t\s+\d+(\.\d+)? ns\/op\t/m);
  assert.deepEqual(normalPretty(s.stdout), normalPretty(o.stdout));
});

test('opa test --bench --format json vs ours: same documents with benchmark_result', { skip }, () => {
  const o = theirs(['--bench', '--format', 'json', FIXTURE]);
  const s = ours(['--bench', '--format', 'json', FIXTURE]);
  assert.equal(s.status, o.status, s.stderr);
  const mine = normalJson(s.stdout);
  assert.equal(mine.filter((r) => r.benchmark_result.N).length, 2, s.stdout);
  assert.deepEqual(mine, normalJson(o.stdout));
});

test('opa test --bench vs ours on passing tests only (--run): exit 0 both', { skip }, () => {
  const args = ['--bench', '--run', 'admin|grant', '--format', 'json', FIXTURE];
  const o = theirs(args);
  const s = ours(args);
  assert.deepEqual([s.status, o.status], [0, 0], s.stderr + o.stderr);
  assert.deepEqual(normalJson(s.stdout), normalJson(o.stdout));
});

test('--benchmem=false: no memory columns, as opa prints', { skip }, () => {
  const args = ['--bench', '--benchmem=false', '--run', 'grant', FIXTURE];
  const o = theirs(args);
  const s = ours(args);
  assert.deepEqual([s.status, o.status], [0, 0], s.stderr + o.stderr);
  assert.doesNotMatch(s.stdout, /B\/op/);
  assert.deepEqual(normalPretty(s.stdout), normalPretty(o.stdout));
});

/** Report lines with durations masked, sorted (opa's order varies); each repeated run adds its lines. */
const masked = (text: string) =>
  text
    .replace(/ \(\d+(\.\d+)?(ns|µs|ms|s|m)\)/g, '')
    .replace(/"duration": \d+/g, '"duration": 0')
    .split('\n')
    .sort();

for (const args of [
  ['--count', '3', '--run', 'admin|grant'],
  ['--count', '2', '--run', 'grant', '--format', 'json'],
  ['--count', '3'],
  ['--count', '0'],
  ['--count', '-2', '--fail-on-empty', '--run', 'nothing'],
  ['--count', '2', '--fail-on-empty', '--run', 'nothing'],
  ['--count', '2', '--bench', '--benchmem=false', '--run', 'grant'],
]) {
  test(`opa test ${args.join(' ')} vs ours: runs repeated until one fails, same output and exit code`, {
    skip,
  }, () => {
    const o = theirs([...args, FIXTURE]);
    const s = ours([...args, FIXTURE]);
    assert.equal(s.status, o.status, s.stderr + o.stderr);
    assert.equal(s.stderr.trim(), o.stderr.trim());
    if (args.includes('--bench')) assert.deepEqual(normalPretty(s.stdout), normalPretty(o.stdout));
    else assert.deepEqual(masked(s.stdout), masked(o.stdout));
  });
}

test('--count abc: refused by both with exit code 1', { skip }, () => {
  const o = theirs(['--count', 'abc', FIXTURE]);
  const s = ours(['--count', 'abc', FIXTURE]);
  assert.deepEqual([s.status, o.status], [1, 1]);
  assert.match(s.stderr, /invalid argument "abc" for "--count" flag: must be an integer/);
});
