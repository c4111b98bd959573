// Runs every host builtin against the single-call cases extracted from OPA's conformance suite
// (fixtures/conformance-cases.json: literal arguments, the expected value or "undefined" for errors).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compareValues } from './host/values.js';
import { hostBuiltins } from './index.js';

interface Case {
  note: string;
  builtin: string;
  args: unknown[];
  value?: unknown;
  undefined?: boolean;
  sortResult?: boolean;
}

const cases = JSON.parse(
  readFileSync(new URL('./fixtures/conformance-cases.json', import.meta.url), 'utf8'),
) as Case[];

/** What the SDK would hand to opa_json_parse: ArrayBuffers carry exact JSON text. */
function decode(v: unknown): unknown {
  return v instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(v)) : v;
}

const sorted = (v: unknown) => (Array.isArray(v) ? [...v].sort(compareValues) : v);

const byBuiltin = new Map<string, Case[]>();
for (const c of cases) byBuiltin.set(c.builtin, [...(byBuiltin.get(c.builtin) ?? []), c]);

describe('conformance cases through host builtins', () => {
  it('covers a broad table', () => {
    assert.ok(cases.length >= 400, `only ${cases.length} cases`);
  });
  for (const [builtin, list] of [...byBuiltin].sort()) {
    it(`${builtin} (${list.length} cases)`, () => {
      const fn = hostBuiltins[builtin];
      assert.ok(fn, `${builtin} has no host implementation`);
      for (const c of list) {
        const got = decode(fn(...c.args));
        if (c.undefined) {
          assert.equal(got, undefined, c.note);
        } else if (c.sortResult) {
          assert.deepEqual(sorted(got), sorted(c.value), c.note);
        } else {
          assert.deepEqual(got, c.value, c.note);
        }
      }
    });
  }
});
