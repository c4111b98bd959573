// Wasm code generation alone: time and module size for a synthetic IR of N rule functions (Dot,
// Equal, Scan, SetAdd, host and native calls), against a 10-function IR as the baseline, with and
// without dead-function pruning. Prints figures only.
// Usage: npx tsx bench/codegen.ts [funcs=2000] [runs=5]
import type * as ir from '../engine/plan/ir.js';
import { generateWasm } from '../engine/wasm/index.js';
import { block, L, PolicyBuilder } from '../engine/wasm/testing/ir-builder.js';

const funcs = Number(process.argv[2] ?? 2000);
const runs = Number(process.argv[3] ?? 5);

function syntheticPolicy(n: number): ir.Policy {
  const b = new PolicyBuilder();
  b.builtin('count', 1);
  b.builtin('custom.host', 1);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const ret: ir.Block = block({ kind: 'ReturnLocal', source: 2 });
    if (i % 2 === 0) {
      names.push(
        b.func(
          ['bench', `allow_${i}`],
          [
            block(
              { kind: 'Dot', source: L(0), key: b.s('request'), target: 3 },
              { kind: 'Dot', source: L(3), key: b.s('model'), target: 4 },
              { kind: 'Equal', a: L(4), b: b.s(`model-${i}`) },
              { kind: 'Call', func: i % 4 === 0 ? 'count' : 'custom.host', args: [L(3)], result: 5 },
              { kind: 'AssignVarOnce', source: { type: 'bool', value: true }, target: 2 },
            ),
            block(
              { kind: 'IsUndefined', source: 2 },
              { kind: 'AssignVar', source: { type: 'bool', value: false }, target: 2 },
            ),
            ret,
          ],
        ),
      );
    } else {
      names.push(
        b.func(
          ['bench', `deny_${i}`],
          [
            block({ kind: 'MakeSet', target: 2 }),
            block(
              { kind: 'Dot', source: L(0), key: b.s('intents'), target: 3 },
              {
                kind: 'Scan',
                source: 3,
                key: 4,
                value: 5,
                block: block(
                  { kind: 'Equal', a: L(5), b: b.s(`read:table-${i}`) },
                  { kind: 'MakeObject', target: 6 },
                  { kind: 'ObjectInsert', key: b.s('rule'), value: b.s(`r${i}`), object: 6 },
                  { kind: 'SetAdd', value: L(6), set: 2 },
                ),
              },
            ),
            ret,
          ],
        ),
      );
    }
  }
  const stmts: ir.Stmt[] = [{ kind: 'MakeObject', target: 2 }];
  names.forEach((f, i) => {
    stmts.push(
      { kind: 'Call', func: f, args: [L(0), L(1)], result: 3 + i },
      { kind: 'ObjectInsert', key: b.s(f), value: L(3 + i), object: 2 },
    );
  });
  b.plan('main', [block(...stmts, { kind: 'ResultSetAdd', value: 2 })]);
  return b.build();
}

function measure(policy: ir.Policy, prune: boolean): { ms: number; bytes: number } {
  generateWasm(policy, { prune }); // warm-up
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    bytes = generateWasm(policy, { prune }).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], bytes };
}

const small = syntheticPolicy(10);
const big = syntheticPolicy(funcs);
console.log(`wasm codegen, median of ${runs} runs (after one warm-up run)`);
console.log(`${'IR'.padEnd(28)}${'time'.padStart(10)}${'bytes'.padStart(10)}${'pruned bytes'.padStart(14)}`);
for (const [name, p] of [
  [`10 funcs`, small],
  [`${funcs} funcs`, big],
] as const) {
  const full = measure(p, false);
  const pruned = measure(p, true);
  const stmts = p.funcs.reduce((n, f) => n + JSON.stringify(f.blocks).split('"kind"').length - 1, 0);
  console.log(
    `${`${name} (${stmts} stmts)`.padEnd(28)}${`${pruned.ms.toFixed(1)} ms`.padStart(10)}${String(full.bytes).padStart(10)}${String(pruned.bytes).padStart(14)}`,
  );
}
