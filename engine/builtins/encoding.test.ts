// Encoding, schema, network, version and collection builtins beyond the conformance table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

describe('encodings', () => {
  it('escapes URL queries like net/url', () => {
    assert.equal(h['urlquery.encode']('a b&c=d/é'), 'a+b%26c%3Dd%2F%C3%A9');
    assert.equal(h['urlquery.decode']('a+b%26'), 'a b&');
    assert.equal(h['urlquery.decode']('%zz'), undefined);
    assert.equal(h['urlquery.encode_object']({ b: ['2', '1'], a: 'x y' }), 'a=x+y&b=2&b=1');
    assert.deepEqual(h['urlquery.decode_object']('a=1&b&a=2'), { a: ['1', '2'], b: [''] });
  });
  it('reads and writes YAML', () => {
    assert.deepEqual(h['yaml.unmarshal']('foo:\n- qux: bar\n- baz: 2\nok: yes\n'), {
      foo: [{ qux: 'bar' }, { baz: 2 }],
      ok: true,
    });
    assert.equal(h['yaml.unmarshal']('[1,2,3'), undefined);
    assert.equal(h['yaml.is_valid']('a: {'), false);
    assert.equal(h['yaml.is_valid'](1), false);
    assert.equal(h['yaml.marshal']({ b: [1, 2], a: 'x' }), 'a: x\nb:\n- 1\n- 2\n');
  });
  it('decodes hex strictly', () => {
    assert.equal(h['hex.decode']('6869'), 'hi');
    assert.equal(h['hex.decode']('686'), undefined);
  });
  it('applies JSON patches', () => {
    const doc = { a: { b: [1, 2] }, c: 1 };
    assert.deepEqual(
      h['json.patch'](doc, [
        { op: 'add', path: '/a/b/-', value: 3 },
        { op: 'replace', path: 'c', value: 2 },
        { op: 'move', from: '/a/b/0', path: '/first' },
        { op: 'copy', from: '/c', path: '/d' },
        { op: 'remove', path: ['a', 'b', 0] },
        { op: 'test', path: '/d', value: 2 },
      ]),
      { a: { b: [3] }, c: 2, first: 1, d: 2 },
    );
    assert.deepEqual(doc, { a: { b: [1, 2] }, c: 1 });
    assert.equal(h['json.patch']({}, [{ op: 'test', path: '/x', value: 1 }]), undefined);
    assert.equal(h['json.patch']([1], [{ op: 'add', path: '/5', value: 1 }]), undefined);
  });
  it('filters and removes JSON paths', () => {
    const doc = { a: { b: 1, c: 2 }, d: [0, 1, 2] };
    assert.deepEqual(h['json.filter'](doc, ['a/b', ['d', '1']]), { a: { b: 1 }, d: [1] });
    assert.deepEqual(h['json.remove'](doc, ['a/b', 'd']), { a: { c: 2 } });
  });
  it('matches JSON schemas with gojsonschema-shaped errors', () => {
    const schema = { properties: { id: { type: 'integer' } }, required: ['id'] };
    assert.deepEqual(h['json.match_schema']({ id: 5 }, schema), [true, []]);
    assert.deepEqual(h['json.match_schema']('{"id": "x"}', JSON.stringify(schema)), [
      false,
      [
        {
          desc: 'Invalid type. Expected: integer, given: string',
          error: 'id: Invalid type. Expected: integer, given: string',
          field: 'id',
          type: 'invalid_type',
        },
      ],
    ]);
    const [, errors] = h['json.match_schema']({}, schema) as [boolean, { error: string }[]];
    assert.equal(errors[0].error, '(Root): id is required');
    assert.equal(h['json.match_schema']({}, { type: 'unknown' }), undefined);
    assert.deepEqual(h['json.verify_schema']({ type: 'object' }), [true, null]);
    assert.equal((h['json.verify_schema']({ type: 5 }) as unknown[])[0], false);
  });
});

describe('network builtins', () => {
  it('handles IPv6 forms', () => {
    assert.equal(h['net.cidr_contains']('::/0', '::ffff:10.0.0.1'), true);
    assert.equal(h['net.cidr_contains']('2001:db8::/32', '2001:db8:0:0:1::1'), true);
    assert.deepEqual(h['net.cidr_merge'](['2001:db8::/33', '2001:db8:8000::/33']), ['2001:db8::/32']);
    assert.deepEqual(h['net.cidr_expand']('::1/127'), ['::', '::1']);
    assert.equal(h['net.cidr_is_valid']('1:2:3:4:5:6:7:8:9/64'), false);
    assert.equal(h['net.cidr_is_valid']('010.0.0.0/8'), false);
  });
  it('refuses to expand huge networks', () => {
    assert.equal(h['net.cidr_expand']('10.0.0.0/8'), undefined);
  });
  it('reports contains matches by index and key', () => {
    assert.deepEqual(h['net.cidr_contains_matches'](['10.0.0.0/8', ['192.168.0.0/16', 'x']], '10.1.2.3'), [
      [0, '10.1.2.3'],
    ]);
  });
});

describe('versions, ids and collections', () => {
  it('compares semantic versions', () => {
    assert.equal(h['semver.compare']('1.0.0-alpha', '1.0.0'), -1);
    assert.equal(h['semver.compare']('1.0.0-alpha.1', '1.0.0-alpha.beta'), -1);
    assert.equal(h['semver.compare']('1.0.0+build', '1.0.0'), 0);
    assert.equal(h['semver.compare']('v1.0.0', '1.0.0'), undefined);
    assert.equal(h['semver.is_valid']('01.0.0'), false);
  });
  it('parses UUIDs', () => {
    assert.deepEqual(h['uuid.parse']('00000000-0000-4000-8000-000000000000'), {
      version: 4,
      variant: 'RFC4122',
    });
    assert.deepEqual(h['uuid.parse']('urn:uuid:000003e8-48b9-21ee-b200-325096b39f47'), {
      clocksequence: 12800,
      domain: 'Person',
      id: 1000,
      macvariables: 'local:unicast',
      nodeid: '32-50-96-b3-9f-47',
      time: Number('1693566990121469600'),
      variant: 'RFC4122',
      version: 2,
    });
    assert.equal(h['uuid.parse']('not-a-uuid'), undefined);
  });
  it('keeps uuid.rfc4122 and rand.intn stable within one evaluation', async () => {
    const u = h['uuid.rfc4122']('k');
    assert.match(String(u), /^[0-9a-f-]{36}$/);
    assert.equal(h['uuid.rfc4122']('k'), u);
    const r = h['rand.intn']('k', 1000) as number;
    assert.equal(h['rand.intn']('k', 1000), r);
    assert.ok(r >= 0 && r < 1000);
    assert.equal(h['rand.intn']('k', 0), 0);
    await Promise.resolve();
  });
  it('checks subsets of objects, arrays and sets', () => {
    assert.equal(h['object.subset']({ a: 1, n: { x: 1, y: [1, 2, 3] } }, { n: { y: [1, 3] } }), true);
    assert.equal(h['object.subset']([3, 1, 2], [1, 2]), true);
    assert.equal(h['object.subset']([3, 1, 2], [3, 2]), false);
    assert.equal(h['object.subset']({ a: 1 }, { a: 2 }), false);
    assert.equal(h['object.subset']('a', 'a'), undefined);
  });
  it('walks graphs', () => {
    const graph = { a: ['b'], b: ['c'], c: ['a'], d: [] };
    assert.deepEqual(h['graph.reachable'](graph, ['a']), ['a', 'b', 'c']);
    assert.deepEqual(h['graph.reachable'](graph, ['z']), []);
    assert.deepEqual(h['graph.reachable_paths']({ a: ['b', 'c'], b: [], c: ['x'] }, ['a']), [
      ['a', 'b'],
      ['a', 'c'],
    ]);
  });
  it('keeps the deprecated casts and opa.runtime', () => {
    assert.deepEqual(h.cast_set([2, 1, 2]), [1, 2]);
    assert.equal(h.cast_string(1), undefined);
    assert.equal(h.cast_null(null), null);
    assert.deepEqual(h['opa.runtime'](), {});
    assert.equal(h.trace('note'), true);
  });
});
