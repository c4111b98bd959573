// IR interpreter tests against the semantics documented in ir.ts (blocks, Break, Not, Scan, With).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterpError, interpret } from './interp.js';
import type { Block, Policy, Stmt } from './ir.js';
import { local, str } from './ir.js';

/** A one-plan policy whose result row is {"x": local 2} when the block reaches its end. */
function run(stmts: Stmt[], strings: string[] = [], input?: unknown): unknown[] {
  const row: Stmt[] = [
    { kind: 'MakeObject', target: 99 },
    { kind: 'ObjectInsert', key: str(strings.length), value: local(2), object: 99 },
    { kind: 'ResultSetAdd', value: 99 },
  ];
  const policy: Policy = {
    static: { strings: [...strings, 'x'], builtinFuncs: [], files: [] },
    plans: [{ name: 'eval', blocks: [{ stmts: [...stmts, ...row] }] }],
    funcs: [],
  };
  return interpret(policy, { input });
}

const int = (value: number, target: number): Stmt => ({
  kind: 'MakeNumberInt',
  value: BigInt(value),
  target,
});

test('an undefined statement exits only its block; Break exits enclosing blocks', () => {
  const inner: Block = {
    stmts: [int(1, 2), { kind: 'Dot', source: local(0), key: str(0), target: 3 }, int(2, 2)],
  };
  assert.deepEqual(run([{ kind: 'Block', blocks: [inner] }], ['missing'], {}), [{ x: 1 }]);
  const breaking: Block = {
    stmts: [{ kind: 'Block', blocks: [{ stmts: [{ kind: 'Break', index: 1 }] }] }, int(5, 2)],
  };
  assert.deepEqual(run([int(1, 2), { kind: 'Block', blocks: [breaking] }]), [{ x: 1 }]);
});

test('Not is defined iff its block is undefined; Scan runs per element and is defined when empty', () => {
  const not = (stmts: Stmt[]): Stmt => ({ kind: 'Not', block: { stmts } });
  assert.deepEqual(run([int(1, 2), not([{ kind: 'Equal', a: local(2), b: local(2) }])]), []);
  assert.deepEqual(run([int(1, 2), not([{ kind: 'NotEqual', a: local(2), b: local(2) }])]), [{ x: 1 }]);
  const scan: Stmt = {
    kind: 'Scan',
    source: 0,
    key: 3,
    value: 4,
    block: { stmts: [{ kind: 'AssignVar', source: local(4), target: 2 }] },
  };
  assert.deepEqual(run([int(0, 2), scan], [], [7, 8]), [{ x: 8 }]);
  assert.deepEqual(run([int(0, 2), scan], [], []), [{ x: 0 }]);
  assert.deepEqual(run([int(0, 2), scan], [], 5), []);
});

test('With replaces input inside its block only', () => {
  const w: Stmt = {
    kind: 'With',
    local: 0,
    path: [0],
    value: { type: 'bool', value: true },
    block: { stmts: [{ kind: 'Dot', source: local(0), key: str(0), target: 2 }] },
  };
  const after: Stmt[] = [
    { kind: 'Dot', source: local(0), key: str(0), target: 3 },
    { kind: 'Equal', a: local(3), b: { type: 'bool', value: false } },
  ];
  assert.deepEqual(run([w, ...after], ['a'], { a: false }), [{ x: true }]);
});

test('AssignVarOnce and ObjectInsertOnce raise conflicts only for different values', () => {
  const once = (v: number): Stmt => ({ kind: 'AssignVarOnce', source: local(v), target: 2 });
  assert.deepEqual(run([int(1, 5), int(1, 6), once(5), once(6)]), [{ x: 1 }]);
  assert.throws(
    () => run([int(1, 5), int(2, 6), once(5), once(6)]),
    (e: unknown) => e instanceof InterpError && e.opaCode === 'eval_conflict_error',
  );
});
