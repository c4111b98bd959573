// The order of `semamesh eval`'s rows against `opa eval`'s, for queries that iterate objects
// (base data and rules), sets, arrays and nested collections, in every output format: opa yields
// rows in iteration order (object keys and set elements in its value order, arrays by index), and
// a lone term with variables whose value is false is undefined. stdout must be equal byte for byte.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findOpa();
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-order-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'data.json'),
  JSON.stringify({
    obj: { zeta: 1, alpha: 2, Mid: 3, '10': 4, '9': 5, b: { x: 1 }, a: [1], é: 6 },
    arr: ['c', 'a', 'b', 3, 1, 2, null, true, { k: 1 }, 'a'],
    nested: { z: [3, 1], a: [2, 2], m: [] },
  }),
);
writeFileSync(
  join(dir, 'p.rego'),
  `package p

s := {"c", "a", "b", 3, 1, 2, null, true, false, [1], {"k": 1}, 1.5}

objs := {"x": 1, "a": 2, "B": 3, "_": 4}

mixed := {1: "a", "1": "b", true: "c", null: "d", [1]: "e"}

keys contains k if some k, _ in data.obj
`,
);

const QUERIES = [
  'data.obj[k]',
  'x := data.obj[k]',
  'data.arr[i]',
  'x := data.arr[_]',
  'x := data.p.s[_]',
  'data.p.s[x]',
  'v := data.p.objs[k]',
  'v := data.p.mixed[k]',
  'x := data.arr[_]; y := data.p.objs[k]',
  'y := data.p.objs[k]; x := data.arr[_]',
  'some k, v in data.obj',
  'some v in data.arr',
  'x := {k | data.obj[k]}[_]',
  'data.nested[k][i]',
  'x := data.nested[_][_]',
  'data.p.keys[k]',
  '[false, 1][_]',
  'data.arr[_] == "a"',
];

for (const format of ['json', 'values', 'bindings', 'pretty']) {
  test(`eval -f ${format}: rows in opa's order for queries over objects, sets and arrays`, {
    skip,
  }, async () => {
    for (const query of QUERIES) {
      const args = ['eval', '-d', dir, '-f', format, query];
      const o = runOpa(args);
      const s = await semamesh(args);
      assert.equal(s.status, o.status, `${query}: ${s.stderr}${o.stderr}`);
      assert.equal(s.stdout, o.stdout, query);
    }
  });
}
