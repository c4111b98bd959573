// Tests for `semamesh build` and `semamesh eval`, run in-process through the real command tree.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { readBundle } from '../../engine/index.js';
import { createProgram } from '../program.js';
import { loadPolicyFiles } from './build.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sm-cli-'));
  mkdirSync(join(dir, 'policies', 'limits'), { recursive: true });
  writeFileSync(
    join(dir, 'policies', 'app.rego'),
    'package app\n\nallow if input.user in data.users\n\nmax := data.limits.max\n',
  );
  writeFileSync(join(dir, 'policies', 'data.json'), '{"users": ["alice"]}');
  writeFileSync(join(dir, 'policies', 'limits', 'data.yaml'), 'max: 5\n');
  writeFileSync(join(dir, 'input.json'), '{"user": "alice"}');
  return dir;
}

/** Runs the CLI in-process and returns what it printed and its exit code. */
async function run(t: TestContext, args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, 'log', (...a: unknown[]) => out.push(a.join(' ')));
  t.mock.method(console, 'error', (...a: unknown[]) => err.push(a.join(' ')));
  process.exitCode = 0;
  try {
    await createProgram().parseAsync(args, { from: 'user' });
    return { out: out.join('\n'), err: err.join('\n'), code: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = 0;
    t.mock.restoreAll();
  }
}

test('policy files load with data merged by directory', () => {
  const dir = workspace();
  const files = loadPolicyFiles([join(dir, 'policies')]);
  assert.deepEqual(files.data, { users: ['alice'], limits: { max: 5 } });
  assert.equal(files.modules.length, 1);
  assert.match(files.modules[0].file, /policies\/app\.rego$/);
});

test('build writes a bundle with the policy, data and manifest', async (t) => {
  const dir = workspace();
  const output = join(dir, 'bundle.tar.gz');
  const r = await run(t, [
    'build',
    '-t',
    'wasm',
    '-e',
    'app/allow',
    '-e',
    'data.app.max',
    join(dir, 'policies'),
    '-o',
    output,
  ]);
  assert.equal(r.code, 0, r.err);
  const bundle = readBundle(readFileSync(output));
  assert.deepEqual(bundle.entrypoints, ['app/allow', 'app/max']);
  assert.deepEqual(bundle.data, { users: ['alice'], limits: { max: 5 } });
  assert.ok(bundle.wasm && bundle.wasm.length > 0);
});

test('build prints file:row:col diagnostics and exits 1 on errors', async (t) => {
  const dir = workspace();
  writeFileSync(join(dir, 'policies', 'broken.rego'), 'package broken\n\np if {\n');
  const r = await run(t, ['build', '-e', 'app/allow', join(dir, 'policies'), '-o', join(dir, 'b.tar.gz')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /broken\.rego:\d+:\d+: rego_parse_error: /);
});

test('eval prints the value of a reference query in opa eval JSON form', async (t) => {
  const dir = workspace();
  const r = await run(t, [
    'eval',
    '-d',
    join(dir, 'policies'),
    '-i',
    join(dir, 'input.json'),
    'data.app.allow',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), {
    result: [{ expressions: [{ value: true, text: 'data.app.allow', location: { row: 1, col: 1 } }] }],
  });
});

test('eval prints expressions and bindings for a query with variables, and {} when undefined', async (t) => {
  const dir = workspace();
  const bound = await run(t, ['eval', '-d', join(dir, 'policies'), 'x := data.app.max + 1']);
  assert.deepEqual(JSON.parse(bound.out), {
    result: [
      {
        expressions: [{ value: true, text: 'x := data.app.max + 1', location: { row: 1, col: 1 } }],
        bindings: { x: 6 },
      },
    ],
  });
  const undef = await run(t, ['eval', '-d', join(dir, 'policies'), 'data.app.allow']);
  assert.deepEqual(JSON.parse(undef.out), {});
});
