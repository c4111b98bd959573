// graphql.* builtins: the conformance cases that bind constants and check one call
// (fixtures/graphql-cases.json), plus AST round trips (ASTs given back as operands).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { deepEqual } from './host/values.js';
import { hostBuiltins as h } from './index.js';

interface Case {
  note: string;
  builtin: string;
  args: unknown[];
  check: 'equals' | 'value' | 'truthy';
  expected?: unknown;
  want?: boolean;
}

const cases = JSON.parse(
  readFileSync(new URL('./fixtures/graphql-cases.json', import.meta.url), 'utf8'),
) as Case[];

describe('graphql conformance cases', () => {
  for (const c of cases) {
    it(c.note, () => {
      const got = h[c.builtin](...c.args);
      if (c.check === 'value') assert.deepEqual(got, c.expected);
      else if (c.check === 'equals') assert.equal(deepEqual(got, c.expected), c.want);
      else assert.equal(got !== undefined && got !== false, c.want);
    });
  }
});

const SCHEMA = `
  type Employee { id: String! salary: Int! }
  schema { query: Query }
  type Query { employeeByID(id: String): Employee }
`;
const QUERY = 'query { employeeByID(id: "alice") { salary }}';

describe('graphql with AST operands', () => {
  it('validates ASTs produced by parse_query and parse_schema', () => {
    const schemaAst = h['graphql.parse_schema'](SCHEMA);
    const queryAst = h['graphql.parse_query'](QUERY);
    assert.equal(h['graphql.schema_is_valid'](schemaAst), true);
    assert.equal(h['graphql.is_valid'](queryAst, schemaAst), true);
    assert.deepEqual(h['graphql.parse'](queryAst, schemaAst), [queryAst, schemaAst]);
    assert.deepEqual(h['graphql.parse_and_verify'](QUERY, SCHEMA), [true, queryAst, schemaAst]);
  });
  it('rejects queries that do not validate', () => {
    const schema = 'type Query { bar(x: Int!): String! }';
    assert.equal(h['graphql.is_valid']('{ bar }', schema), false);
    assert.deepEqual(h['graphql.parse_and_verify']('{ bar }', schema), [false, {}, {}]);
    assert.equal(h['graphql.parse']('{ bar }', schema), undefined);
    assert.equal(h['graphql.is_valid']('{ baz(x: 1) }', schema), false);
    assert.equal(h['graphql.is_valid']('{ bar(x: 1) }', schema), true);
  });
  it('accepts fragments with variables used through directives', () => {
    const query = 'query Foo($flag: Boolean!) { ...Bar } fragment Bar on Query { bar @include(if: $flag) }';
    assert.equal(h['graphql.is_valid'](query, 'type Query { bar: String! }'), true);
  });
  it('keeps query and schema documents apart', () => {
    assert.equal(h['graphql.parse_query']('type A { x: Int }'), undefined);
    assert.equal(h['graphql.parse_schema']('{ x }'), undefined);
  });
});
