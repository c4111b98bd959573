// Compiles hand-built IR policies against the real runtime.wasm and runs them in the real
// @open-policy-agent/opa-wasm SDK (every module is also checked by WebAssembly.validate and wabt).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as ir from '../plan/ir.js';
import { generateWasm } from './index.js';
import { B, block, L, PolicyBuilder } from './testing/ir-builder.js';
import { jsonInput, loadPolicy, type Policy } from './testing/wasm-tools.js';

type Builtin = (...args: unknown[]) => unknown;

async function load(b: PolicyBuilder, builtins?: Record<string, Builtin>): Promise<Policy> {
  return loadPolicy(generateWasm(b.build()), builtins);
}

async function evalOnce(b: PolicyBuilder, input: unknown, entrypoint?: string): Promise<unknown> {
  const p = await load(b);
  return p.evaluate(jsonInput(input), entrypoint);
}

const ret = (): ir.Block => block({ kind: 'ReturnLocal', source: 2 });
const once = (source: ir.Operand): ir.Stmt => ({ kind: 'AssignVarOnce', source, target: 2 });

describe('generated policies in the opa-wasm SDK', () => {
  test('a constant rule', async () => {
    const b = new PolicyBuilder();
    const f = b.func(
      ['pkg', 'p'],
      [block({ kind: 'MakeNumberInt', value: 7n, target: 3 }, once(L(3))), ret()],
    );
    b.resultPlan('pkg/p', f);
    assert.deepEqual(await evalOnce(b, {}), [{ result: 7 }]);
  });

  test('input lookups: defined, undefined and falsy inputs', async () => {
    const b = new PolicyBuilder();
    const allow = b.func(
      ['pkg', 'allow'],
      [
        block(
          { kind: 'Dot', source: L(0), key: b.s('user'), target: 3 },
          { kind: 'Dot', source: L(3), key: b.s('name'), target: 4 },
          { kind: 'Equal', a: L(4), b: b.s('alice') },
          once(B(true)),
        ),
        ret(),
      ],
    );
    const echo = b.func(
      ['pkg', 'echo'],
      [block({ kind: 'AssignVar', source: L(0), target: 3 }, once(L(3))), ret()],
    );
    b.resultPlan('pkg/allow', allow).resultPlan('pkg/echo', echo);
    const p = await load(b);
    assert.deepEqual(p.evaluate(jsonInput({ user: { name: 'alice' } }), 'pkg/allow'), [{ result: true }]);
    assert.deepEqual(p.evaluate(jsonInput({ user: { name: 'bob' } }), 'pkg/allow'), []);
    assert.deepEqual(p.evaluate(jsonInput({ user: 'alice' }), 'pkg/allow'), []);
    assert.deepEqual(p.evaluate(jsonInput(false), 'pkg/echo'), [{ result: false }]);
    assert.deepEqual(p.evaluate(undefined, 'pkg/echo'), []);
  });

  test('data lookups with setData', async () => {
    const b = new PolicyBuilder();
    const role = b.func(
      ['pkg', 'role'],
      [
        block(
          { kind: 'Dot', source: L(1), key: b.s('roles'), target: 3 },
          { kind: 'Dot', source: L(0), key: b.s('user'), target: 4 },
          { kind: 'Dot', source: L(3), key: L(4), target: 5 },
          once(L(5)),
        ),
        ret(),
      ],
    );
    b.resultPlan('pkg/role', role);
    const p = await load(b);
    p.setData({ roles: { alice: 'admin', bob: ['dev', 'ops'] } });
    assert.deepEqual(p.evaluate(jsonInput({ user: 'alice' })), [{ result: 'admin' }]);
    assert.deepEqual(p.evaluate(jsonInput({ user: 'bob' })), [{ result: ['dev', 'ops'] }]);
    assert.deepEqual(p.evaluate(jsonInput({ user: 'eve' })), []);
  });

  test('a Scan building a set (partial set rule), over arrays and objects', async () => {
    const b = new PolicyBuilder();
    const names = b.func(
      ['pkg', 'names'],
      [
        block({ kind: 'MakeSet', target: 2 }),
        block(
          { kind: 'Dot', source: L(0), key: b.s('users'), target: 3 },
          {
            kind: 'Scan',
            source: 3,
            key: 4,
            value: 5,
            block: block(
              { kind: 'Dot', source: L(5), key: b.s('name'), target: 6 },
              { kind: 'SetAdd', value: L(6), set: 2 },
            ),
          },
        ),
        ret(),
      ],
    );
    b.resultPlan('pkg/names', names);
    const p = await load(b);
    const users = [{ name: 'b' }, { name: 'a' }, { nick: 'x' }, { name: 'b' }];
    const [row] = p.evaluate(jsonInput({ users })) as [{ result: string[] }];
    assert.deepEqual([...row.result].sort(), ['a', 'b']);
    const [obj] = p.evaluate(jsonInput({ users: { u1: { name: 'z' } } })) as [{ result: string[] }];
    assert.deepEqual(obj.result, ['z']);
    // Not a collection: the Scan is undefined, the set stays empty.
    assert.deepEqual(p.evaluate(jsonInput({ users: 5 })), [{ result: [] }]);
  });

  test('Not, IsUndefined defaults and Break', async () => {
    const b = new PolicyBuilder();
    // deny if not input.admin == true; default deny := false is the IsUndefined block.
    const deny = b.func(
      ['pkg', 'deny'],
      [
        block(
          {
            kind: 'Not',
            block: block(
              { kind: 'Dot', source: L(0), key: b.s('admin'), target: 3 },
              { kind: 'Equal', a: L(3), b: B(true) },
            ),
          },
          once(B(true)),
        ),
        block({ kind: 'IsUndefined', source: 2 }, once(B(false))),
        ret(),
      ],
    );
    // Break 1 leaves the outer block early, so the assignment after the inner block never runs.
    const brk = b.func(
      ['pkg', 'brk'],
      [
        block({ kind: 'Block', blocks: [block({ kind: 'Break', index: 1 })] }, once(B(true))),
        block({ kind: 'IsUndefined', source: 2 }, { kind: 'MakeNull', target: 3 }, once(L(3))),
        ret(),
      ],
    );
    b.resultPlan('deny', deny).resultPlan('brk', brk);
    const p = await load(b);
    assert.deepEqual(p.evaluate(jsonInput({ admin: true }), 'deny'), [{ result: false }]);
    assert.deepEqual(p.evaluate(jsonInput({ admin: 'yes' }), 'deny'), [{ result: true }]);
    assert.deepEqual(p.evaluate(jsonInput({}), 'deny'), [{ result: true }]);
    assert.deepEqual(p.evaluate(jsonInput({}), 'brk'), [{ result: null }]);
  });

  test('conflicts raise runtime errors with file:row:col', async () => {
    const b = new PolicyBuilder();
    const file = b.file('policy.rego');
    const p = b.func(
      ['pkg', 'p'],
      [
        block({ kind: 'Dot', source: L(0), key: b.s('x'), target: 3 }, once(L(3))),
        block({ kind: 'AssignVarOnce', source: b.s('fixed'), target: 2, loc: { file, row: 4, col: 1 } }),
        ret(),
      ],
    );
    const o = b.func(
      ['pkg', 'o'],
      [
        block({ kind: 'MakeObject', target: 2 }),
        block({ kind: 'ObjectInsertOnce', key: b.s('k'), value: b.s('v'), object: 2 }),
        block(
          { kind: 'Dot', source: L(0), key: b.s('x'), target: 3 },
          { kind: 'ObjectInsertOnce', key: b.s('k'), value: L(3), object: 2, loc: { file, row: 9, col: 3 } },
        ),
        ret(),
      ],
    );
    b.resultPlan('p', p).resultPlan('o', o);
    const pol = await load(b);
    assert.deepEqual(pol.evaluate(jsonInput({ x: 'fixed' }), 'p'), [{ result: 'fixed' }]);
    assert.deepEqual(pol.evaluate(jsonInput({}), 'p'), [{ result: 'fixed' }]);
    assert.throws(
      () => pol.evaluate(jsonInput({ x: 'other' }), 'p'),
      (e) => e === 'policy.rego:4:1: var assignment conflict',
    );
    assert.deepEqual(pol.evaluate(jsonInput({ x: 'v' }), 'o'), [{ result: { k: 'v' } }]);
    assert.throws(
      () => pol.evaluate(jsonInput({ x: 1 }), 'o'),
      (e) => e === 'policy.rego:9:3: object insert conflict',
    );
  });

  test('With replaces input and data for its block only, with separate memoization', async () => {
    const b = new PolicyBuilder();
    const q = b.func(
      ['pkg', 'q'],
      [block({ kind: 'Dot', source: L(0), key: b.s('x'), target: 3 }, once(L(3))), ret()],
    );
    const p = b.func(
      ['pkg', 'p'],
      [
        block({
          kind: 'With',
          local: 0,
          path: [b.strIndex('x')],
          value: b.s('w'),
          block: block({ kind: 'Call', func: q, args: [L(0), L(1)], result: 3 }, once(L(3))),
        }),
        ret(),
      ],
    );
    // with input.a.b as 5 with data.d as "D": siblings stay, the originals are untouched.
    const deep = b.func(
      ['pkg', 'deep'],
      [
        block(
          { kind: 'MakeNumberInt', value: 5n, target: 4 },
          {
            kind: 'With',
            local: 0,
            path: [b.strIndex('a'), b.strIndex('b')],
            value: L(4),
            block: block({
              kind: 'With',
              local: 1,
              path: [b.strIndex('d')],
              value: b.s('D'),
              block: block(
                { kind: 'MakeObject', target: 5 },
                { kind: 'ObjectInsert', key: b.s('input'), value: L(0), object: 5 },
                { kind: 'ObjectInsert', key: b.s('data'), value: L(1), object: 5 },
                once(L(5)),
              ),
            }),
          },
          { kind: 'MakeObject', target: 6 },
          { kind: 'ObjectInsert', key: b.s('with'), value: L(2), object: 6 },
          { kind: 'ObjectInsert', key: b.s('input'), value: L(0), object: 6 },
          { kind: 'ObjectInsert', key: b.s('data'), value: L(1), object: 6 },
          { kind: 'AssignVar', source: L(6), target: 2 },
        ),
        ret(),
      ],
    );
    b.plan('all', [
      block(
        { kind: 'Call', func: q, args: [L(0), L(1)], result: 2 },
        { kind: 'Call', func: p, args: [L(0), L(1)], result: 3 },
        { kind: 'Call', func: q, args: [L(0), L(1)], result: 4 },
        { kind: 'MakeObject', target: 5 },
        { kind: 'ObjectInsert', key: b.s('q'), value: L(2), object: 5 },
        { kind: 'ObjectInsert', key: b.s('p'), value: L(3), object: 5 },
        { kind: 'ObjectInsert', key: b.s('q2'), value: L(4), object: 5 },
        { kind: 'ResultSetAdd', value: 5 },
      ),
    ]);
    b.resultPlan('deep', deep);
    const pol = await load(b);
    assert.deepEqual(pol.evaluate(jsonInput({ x: 1 }), 'all'), [{ q: 1, p: 'w', q2: 1 }]);
    pol.setData({ d: 'old', e: 'keep' });
    const before = { input: { a: { c: 1 }, z: 2 }, data: { d: 'old', e: 'keep' } };
    assert.deepEqual(pol.evaluate(jsonInput(before.input), 'deep'), [
      {
        result: {
          with: { input: { a: { b: 5, c: 1 }, z: 2 }, data: { d: 'D', e: 'keep' } },
          ...before,
        },
      },
    ]);
    assert.deepEqual(pol.evaluate(jsonInput('scalar'), 'deep'), [
      {
        result: {
          with: { input: { a: { b: 5 } }, data: { d: 'D', e: 'keep' } },
          input: 'scalar',
          data: before.data,
        },
      },
    ]);
  });

  test('Break and ReturnLocal out of a With undo it (input restored, memo frame popped)', async () => {
    const b = new PolicyBuilder();
    const q = b.func(
      ['pkg', 'q'],
      [block({ kind: 'Dot', source: L(0), key: b.s('x'), target: 3 }, once(L(3))), ret()],
    );
    const withX = (value: string, ...stmts: ir.Stmt[]): ir.Stmt => ({
      kind: 'With',
      local: 0,
      path: [b.strIndex('x')],
      value: b.s(value),
      block: block(...stmts),
    });
    const r = b.func(
      ['pkg', 'r'],
      [
        block(
          withX('w', { kind: 'Call', func: q, args: [L(0), L(1)], result: 3 }, { kind: 'Break', index: 1 }),
          {
            kind: 'MakeNull',
            target: 3,
          },
        ),
        block(
          { kind: 'Call', func: q, args: [L(0), L(1)], result: 4 },
          { kind: 'Dot', source: L(0), key: b.s('x'), target: 5 },
          { kind: 'MakeArray', capacity: 3, target: 6 },
          { kind: 'ArrayAppend', value: L(3), array: 6 },
          { kind: 'ArrayAppend', value: L(4), array: 6 },
          { kind: 'ArrayAppend', value: L(5), array: 6 },
          once(L(6)),
        ),
        ret(),
      ],
    );
    const t = b.func(
      ['pkg', 't'],
      [
        block(
          withX(
            'z',
            { kind: 'Call', func: q, args: [L(0), L(1)], result: 2 },
            { kind: 'ReturnLocal', source: 2 },
          ),
        ),
      ],
    );
    const calls = [q, r, t, q];
    b.plan('main', [
      block(
        { kind: 'MakeArray', capacity: 4, target: 2 },
        ...calls.flatMap((func, i): ir.Stmt[] => [
          { kind: 'Call', func, args: [L(0), L(1)], result: 3 + i },
          { kind: 'ArrayAppend', value: L(3 + i), array: 2 },
        ]),
        { kind: 'ResultSetAdd', value: 2 },
      ),
    ]);
    const pol = await load(b);
    assert.deepEqual(pol.evaluate(jsonInput({ x: 1 })), [[1, ['w', 1, 1], 'z', 1]]);
  });

  test('undefined operands make statements undefined, also after ResetLocal inside loops', async () => {
    const b = new PolicyBuilder();
    const seen = b.builtin('test.seen', 1);
    const f = b.func(
      ['pkg', 'u'],
      [
        block({ kind: 'MakeSet', target: 2 }),
        block(
          { kind: 'AssignVar', source: b.s('a'), target: 3 },
          { kind: 'Dot', source: L(0), key: b.s('xs'), target: 4 },
          {
            kind: 'Scan',
            source: 4,
            key: 5,
            value: 6,
            block: block(
              { kind: 'Call', func: seen, args: [L(3)], result: 9 },
              { kind: 'SetAdd', value: L(9), set: 2 },
              { kind: 'ResetLocal', target: 3 },
            ),
          },
          // Straight line: a reset local is undefined again, so nothing below runs.
          { kind: 'AssignVar', source: b.s('b'), target: 7 },
          { kind: 'ResetLocal', target: 7 },
          { kind: 'SetAdd', value: L(7), set: 2 },
        ),
        block({ kind: 'SetAdd', value: L(8), set: 2 }, { kind: 'SetAdd', value: b.s('never'), set: 2 }),
        ret(),
      ],
    );
    b.resultPlan('u', f);
    const args: unknown[] = [];
    const pol = await load(b, { 'test.seen': (x: unknown) => args.push(x) && x });
    assert.deepEqual(pol.evaluate(jsonInput({ xs: [1, 2, 3] })), [{ result: ['a'] }]);
    assert.deepEqual(args, ['a'], 'the builtin is not called with the reset local');
  });
});
