// The public contract: hostBuiltins wrapping (undefined instead of throws, type checks from the
// catalog, set and bigint encoding), OPA's names, natives.json, and the catalog itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUILTINS,
  hostBuiltins,
  INFIX_BUILTINS,
  isHostBuiltin,
  lastHostErrors,
  lookupBuiltin,
  nativeBuiltins,
  parseRegoValue,
  RegoSet,
  SDK_SHADOWED,
  setEncoding,
} from './index.js';

const decode = (v: unknown): string => new TextDecoder().decode(v as ArrayBuffer);

describe('catalog', () => {
  it('lists OPA 1.x builtins with arities and flags', () => {
    assert.ok(BUILTINS.size >= 195, `catalog has ${BUILTINS.size} entries`);
    assert.equal(lookupBuiltin('sprintf')?.arity, 2);
    assert.equal(lookupBuiltin('regex.template_match')?.arity, 4);
    assert.equal(lookupBuiltin('time.now_ns')?.arity, 0);
    assert.equal(lookupBuiltin('time.now_ns')?.nondeterministic, true);
    assert.equal(lookupBuiltin('http.send')?.nondeterministic, true);
    assert.equal(lookupBuiltin('print')?.variadic, true);
    assert.equal(lookupBuiltin('internal.print')?.void, true);
    assert.equal(lookupBuiltin('re_match')?.deprecated, true);
    assert.equal(lookupBuiltin('walk')?.relation, true);
    assert.deepEqual(lookupBuiltin('concat')?.args, [['string'], ['array', 'set']]);
    assert.equal(lookupBuiltin('no.such'), undefined);
  });
  it('maps infix operators', () => {
    assert.equal(INFIX_BUILTINS.get('+')?.name, 'plus');
    assert.equal(INFIX_BUILTINS.get('==')?.name, 'equal');
    assert.equal(INFIX_BUILTINS.get('in')?.name, 'internal.member_2');
    assert.equal(INFIX_BUILTINS.get(':=')?.name, 'assign');
  });
  it('declares every host builtin with a matching arity', () => {
    for (const [name, fn] of Object.entries(hostBuiltins)) {
      const decl = lookupBuiltin(name.replace(/^semamesh\./, ''));
      assert.ok(decl, `${name} is not in the catalog`);
      assert.ok(typeof fn === 'function');
    }
  });
  it('agrees with natives.json when it exists', () => {
    for (const name of nativeBuiltins()) {
      assert.ok(BUILTINS.has(name), `native ${name} missing from the catalog`);
      assert.equal(isHostBuiltin(name), false);
    }
    assert.equal(isHostBuiltin('io.jwt.decode'), true);
  });
});

describe('host builtin guard', () => {
  it('turns type errors into undefined without calling the implementation', () => {
    assert.equal(hostBuiltins['crypto.sha256'](42), undefined);
    assert.equal(hostBuiltins.concat(',', 'x'), undefined);
    assert.equal(hostBuiltins['crypto.sha256']('a', 'b'), undefined);
  });
  it('turns thrown errors into undefined and remembers them', () => {
    assert.equal(hostBuiltins['units.parse']('12 GB'), undefined);
    assert.match(String(lastHostErrors.get('units.parse')), /spaces/);
  });
  it('accepts arrays where sets are declared (the SDK sends sets as arrays)', () => {
    assert.equal(hostBuiltins.concat('-', ['a', 'b']), 'a-b');
    assert.deepEqual(hostBuiltins['net.cidr_merge'](['10.0.0.0/25', '10.0.0.128/25']), ['10.0.0.0/24']);
  });
  it('sends set results as sorted arrays, or as Rego text when the runtime accepts it', () => {
    assert.deepEqual(hostBuiltins['net.cidr_expand']('10.0.0.0/31'), ['10.0.0.0', '10.0.0.1']);
    setEncoding.regoText = true;
    try {
      assert.equal(decode(hostBuiltins['net.cidr_expand']('10.0.0.0/31')), '#\n{"10.0.0.0","10.0.0.1"}');
      assert.equal(decode(hostBuiltins['graph.reachable']({}, ['a'])), '#\nset()');
    } finally {
      setEncoding.regoText = false;
    }
  });
  it('reads the Rego value text opa_value_dump writes, sets as RegoSet', () => {
    const v = parseRegoValue('{"a":{1,"x",[true,null]},"b":set(),"c":[{}],"d":{1:"one",[2]:{"z"}}}');
    assert.deepEqual(v, {
      a: new RegoSet([1, 'x', [true, null]]),
      b: new RegoSet([]),
      c: [{}],
      d: { '1': 'one', '[2]': new RegoSet(['z']) },
    });
    assert.deepEqual(parseRegoValue(' "s\\"t" '), 's"t');
    assert.throws(() => parseRegoValue('{1,'));
    assert.throws(() => parseRegoValue('[1] x'));
  });
  it('gives a set argument as RegoSet only to builtins that need it, arrays to the others', () => {
    assert.equal(hostBuiltins.concat('-', new RegoSet(['b', 'a'])), 'a-b');
    const patched = hostBuiltins['json.patch']({ s: new RegoSet(['a']) }, [
      { op: 'add', path: '/s/b', value: 'b' },
    ]);
    assert.deepEqual(patched, { s: ['a', 'b'] });
  });
  it('sends exact integers beyond 2^53 as JSON text', () => {
    assert.equal(decode(hostBuiltins['units.parse_bytes']('10EiB')), '11529215046068469760');
    assert.equal(decode(hostBuiltins['bits.lsh'](1, 64)), '18446744073709551616');
  });
  it('names host builtins as OPA does, with no aliases of ours', () => {
    assert.deepEqual(
      Object.keys(hostBuiltins).filter((n) => n.startsWith('semamesh.')),
      [],
    );
    // Of the SDK's own builtins only yaml.* are still host builtins: the others are native.
    assert.deepEqual([...SDK_SHADOWED].filter(isHostBuiltin), [
      'yaml.is_valid',
      'yaml.marshal',
      'yaml.unmarshal',
    ]);
  });
});
