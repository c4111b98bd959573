// Tests of runtime.wasm's value model, JSON/Rego parsing and dumping, and heap behaviour.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadNatives, loadRuntime, RuntimeAbort } from './runtime-harness.js';

const rt = loadRuntime();
const roundTrip = (text: string): string => rt.jsonDump(rt.jsonParse(text));

describe('JSON parse and dump', () => {
  const same = [
    '{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x"}',
    '[]',
    '{}',
    '""',
    '"\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f"',
    '"héllo ✓ 😀"',
    '123456789012345678901234567890',
    '-9223372036854775808',
    '9223372036854775808',
    '0.1',
    '1e+100',
    '1e+21',
    '1e-7',
    '5e-324',
    '1.7976931348623157e+308',
    '0.30000000000000004',
    '[[[[[[[[[[1]]]]]]]]]]',
  ];
  for (const text of same) {
    it(`round-trips ${text}`, () => assert.equal(roundTrip(text), text));
  }

  const normalised: [string, string][] = [
    [' { "b" : 1 , "a" : 2 } ', '{"a":2,"b":1}'],
    ['"\\u00e9\\/"', '"é/"'],
    ['"\\ud83d\\ude00"', '"😀"'],
    ['"\\ud800x"', '"\ufffdx"'],
    ['-0', '0'],
    ['1.0', '1'],
    ['1E2', '100'],
    ['123e-2', '1.23'],
    ['100000000000000000000', '100000000000000000000'],
    ['1e400', '1e+400'],
    ['3.14159265358979323846264338327950288', '3.14159265358979323846264338327950288'],
    ['{"a":1,"a":2}', '{"a":2}'],
  ];
  for (const [text, want] of normalised) {
    it(`parses ${text} as ${want}`, () => assert.equal(roundTrip(text), want));
  }

  const invalid = [
    '',
    '{',
    '[1,]',
    '{"a":1,}',
    'tru',
    '01',
    '1.',
    '.5',
    '-',
    '1e',
    '+1',
    'NaN',
    'Infinity',
    "'a'",
    '"\\x"',
    '"\\u12"',
    '"a\u0001"',
    '{1:2}',
    '{1,2}',
    'set()',
    '[1] x',
    '"abc',
    '[1 2]',
    '{"a" 1}',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(rt.jsonParse(text), 0));
  }

  it('rejects invalid UTF-8 without trapping', () => {
    for (const bytes of [
      [0x22, 0xff, 0x22],
      [0x22, 0xc0, 0x80, 0x22],
      [0x22, 0xe2, 0x82, 0x22],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
    ]) {
      assert.equal(rt.jsonParse(new Uint8Array(bytes)), 0);
    }
  });

  it('accepts nesting up to 1000 levels and rejects deeper', () => {
    assert.notEqual(rt.jsonParse('['.repeat(1000) + ']'.repeat(1000)), 0);
    assert.equal(rt.jsonParse('['.repeat(1001) + ']'.repeat(1001)), 0);
    assert.equal(rt.jsonParse('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)), 0);
  });

  it('dumps invalid UTF-8 inside strings as U+FFFD', () => {
    const s = rt.exports.opa_string_copy(...rt.write(new Uint8Array([0x61, 0xff, 0x62])));
    assert.equal(rt.jsonDump(s), '"a\ufffdb"');
  });

  it('prints doubles exactly like JavaScript and parses them back bit for bit', () => {
    const view = new DataView(new ArrayBuffer(8));
    const natives = loadNatives();
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 3000; i++) {
      view.setUint32(0, next());
      view.setUint32(4, next());
      const x = i % 2 ? view.getFloat64(0) : (next() / 2 ** 32) * 10 ** ((next() % 40) - 20);
      if (!Number.isFinite(x)) continue;
      const mark = rt.exports.opa_heap_ptr_get();
      const text = String(x);
      const dumped = roundTrip(text);
      assert.equal(Number(dumped), x, text);
      if (!Number.isInteger(x) || Math.abs(x) >= 2 ** 63) assert.equal(dumped, text);
      // 21 significant digits keep the exact text (REF); arithmetic on it is OPA's 64-bit big.Float,
      // which is within a float64 ulp of JavaScript's sum.
      const long = x.toExponential(20);
      const sum = Number(rt.callNative(natives.plus, long, '0.5'));
      const want = Number(long) + 0.5;
      assert.ok(Math.abs(sum - want) <= Math.abs(want) * 2 ** -52, `${long}: ${sum} vs ${want}`);
      rt.exports.opa_heap_ptr_set(mark);
    }
  });
});

describe('Rego value parse and dump', () => {
  const cases: [string, string, string][] = [
    ['{1, 2, "a", [1]}', '[1,2,"a",[1]]', '{1,2,"a",[1]}'],
    ['set()', '[]', 'set()'],
    ['{1: "a", [1]: 2, "k": {3}}', '{"1":"a","k":[3],"[1]":2}', '{1:"a","k":{3},[1]:2}'],
    ['[1, 2,]', '[1,2]', '[1,2]'],
    ['{"a": 1,}', '{"a":1}', '{"a":1}'],
    ['{1,}', '[1]', '{1}'],
    ['`raw \\n`', '"raw \\\\n"', '"raw \\\\n"'],
    ['{1, 1.0, 2}', '[1,2]', '{1,2}'],
    ['{{"b":1}: true}', '{"{\\"b\\":1}":true}', '{{"b":1}:true}'],
  ];
  for (const [text, json, rego] of cases) {
    it(`parses ${text}`, () => {
      const v = rt.valueParse(text);
      assert.notEqual(v, 0);
      assert.equal(rt.jsonDump(v), json);
      assert.equal(rt.valueDump(v), rego);
    });
  }

  it('reports types with the ABI tags', () => {
    const types = ['null', 'true', '1', '"s"', '[]', '{}', 'set()'].map((t) =>
      rt.exports.opa_value_type(rt.valueParse(t)),
    );
    assert.deepEqual(types, [1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('comparison, equality and hashing', () => {
  const v = (text: string): number => rt.valueParse(text);
  const ordered = [
    'null',
    'false',
    'true',
    '-1e400',
    '-9223372036854775809',
    '-1.5',
    '0',
    '0.5',
    '1',
    '9223372036854775807',
    '9223372036854775808',
    '1e19',
    '1e400',
    '""',
    '"a"',
    '"b"',
    '[]',
    '[1]',
    '[1,2]',
    '[2]',
    '{}',
    '{"a":1}',
    '{"a":2}',
    '{"b":0}',
    'set()',
    '{1}',
    '{1,2}',
    '{2}',
  ];
  it('follows the Rego total order', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = rt.exports.opa_value_compare(v(ordered[i]), v(ordered[j]));
        assert.equal(Math.sign(c), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
      }
    }
  });

  it('treats equal numbers as equal whatever their spelling, with equal hashes', () => {
    const groups = [
      ['1', '1.0', '1e0', '10e-1', '0.1e1'],
      ['1e20', '100000000000000000000', '1E+20'],
      ['0.5', '5e-1', '0.50'],
      ['123456789012345678901234567890', '1.2345678901234567890123456789e29'],
      ['{"a":[1,{2}]}', '{"a":[1.0,{2.0}]}'],
    ];
    for (const group of groups) {
      const vals = group.map(v);
      for (const x of vals) {
        for (const y of vals) {
          assert.equal(rt.exports.opa_value_equal(x, y), 1, group.join(' = '));
          assert.equal(rt.exports.opa_value_hash(x), rt.exports.opa_value_hash(y), group.join(' = '));
        }
      }
    }
    assert.equal(rt.exports.opa_value_equal(v('1'), v('"1"')), 0);
    assert.equal(rt.exports.opa_value_equal(v('[1,2]'), v('[2,1]')), 0);
  });
});

describe('collections', () => {
  const keys = (coll: number): string[] => {
    const out: string[] = [];
    for (let k = rt.exports.opa_value_iter(coll, 0); k !== 0; k = rt.exports.opa_value_iter(coll, k)) {
      out.push(rt.jsonDump(k));
    }
    return out;
  };

  it('iterates objects and sets in sorted order and arrays by index', () => {
    const obj = rt.exports.opa_object();
    for (const k of ['"b"', '3', '"a"', '[1]', 'null', '1.5'])
      rt.exports.opa_object_insert(obj, rt.valueParse(k), rt.valueParse('0'));
    assert.deepEqual(keys(obj), ['null', '1.5', '3', '"a"', '"b"', '[1]']);
    const set = rt.valueParse('{"z", 10, 2, "a", 1}');
    assert.deepEqual(keys(set), ['1', '2', '10', '"a"', '"z"']);
    assert.deepEqual(keys(rt.valueParse('["x","y","z"]')), ['0', '1', '2']);
    assert.deepEqual(keys(rt.valueParse('"str"')), []);
  });

  it('keeps large tables consistent across inserts, sorting and lookups', () => {
    const obj = rt.exports.opa_object();
    for (let i = 999; i >= 0; i--) {
      rt.exports.opa_object_insert(
        obj,
        rt.exports.opa_number_int(BigInt(i)),
        rt.exports.opa_number_int(BigInt(i * 2)),
      );
    }
    rt.exports.opa_object_insert(obj, rt.exports.opa_number_int(5n), rt.exports.opa_number_int(-1n));
    assert.equal(rt.exports.opa_value_length(obj), 1000);
    const ks = keys(obj);
    assert.deepEqual(ks.slice(0, 3), ['0', '1', '2']);
    assert.equal(ks.length, 1000);
    assert.equal(rt.jsonDump(rt.exports.opa_value_get(obj, rt.valueParse('5'))), '-1');
    assert.equal(rt.jsonDump(rt.exports.opa_value_get(obj, rt.valueParse('998.0'))), '1996');
    assert.equal(rt.exports.opa_value_get(obj, rt.valueParse('1000')), 0);
  });

  it('gets by index, key and element', () => {
    const arr = rt.valueParse('["a","b"]');
    assert.equal(rt.jsonDump(rt.exports.opa_value_get(arr, rt.valueParse('1'))), '"b"');
    assert.equal(rt.exports.opa_value_get(arr, rt.valueParse('2')), 0);
    assert.equal(rt.exports.opa_value_get(arr, rt.valueParse('0.5')), 0);
    assert.equal(rt.exports.opa_value_get(arr, rt.valueParse('"0"')), 0);
    const set = rt.valueParse('{[1], 2}');
    assert.equal(rt.jsonDump(rt.exports.opa_value_get(set, rt.valueParse('[1.0]'))), '[1]');
    assert.equal(rt.exports.opa_value_get(rt.valueParse('"s"'), rt.valueParse('0')), 0);
    assert.equal(rt.exports.opa_value_length(rt.valueParse('{"a":1,"b":2}')), 2);
  });

  it('merges objects recursively and fails on conflicting leaves', () => {
    const merged = rt.exports.opa_value_merge(
      rt.valueParse('{"a":{"b":1},"x":1}'),
      rt.valueParse('{"a":{"c":2},"y":2}'),
    );
    assert.equal(rt.jsonDump(merged), '{"a":{"b":1,"c":2},"x":1,"y":2}');
    assert.equal(rt.exports.opa_value_merge(rt.valueParse('{"a":1}'), rt.valueParse('{"a":2}')), 0);
    const b = rt.valueParse('{"k":1}');
    assert.equal(rt.exports.opa_value_merge(0, b), b);
  });

  it('adds and removes paths', () => {
    const base = rt.valueParse('{"a":{"b":1}}');
    assert.equal(rt.exports.opa_value_add_path(base, rt.valueParse('["a","c","d"]'), rt.valueParse('2')), 0);
    assert.equal(rt.jsonDump(base), '{"a":{"b":1,"c":{"d":2}}}');
    assert.equal(rt.exports.opa_value_remove_path(base, rt.valueParse('["a","b"]')), 0);
    assert.equal(rt.jsonDump(base), '{"a":{"c":{"d":2}}}');
    assert.notEqual(rt.exports.opa_value_add_path(base, rt.valueParse('[]'), rt.valueParse('2')), 0);
  });

  it('shallow-copies containers so appends do not leak into the original', () => {
    const arr = rt.valueParse('[1]');
    const copy = rt.exports.opa_value_shallow_copy(arr);
    rt.exports.opa_array_append(copy, rt.valueParse('2'));
    assert.equal(rt.jsonDump(arr), '[1]');
    assert.equal(rt.jsonDump(copy), '[1,2]');
    const obj = rt.valueParse('{"a":1}');
    const ocopy = rt.exports.opa_value_shallow_copy(obj);
    rt.exports.opa_object_insert(ocopy, rt.valueParse('"b"'), rt.valueParse('2'));
    assert.equal(rt.jsonDump(obj), '{"a":1}');
    assert.equal(rt.jsonDump(ocopy), '{"a":1,"b":2}');
  });

  it('sets numbers in place and reads booleans', () => {
    const n = rt.valueParse('1.5');
    rt.exports.opa_value_number_set_int(n, 7n);
    assert.equal(rt.jsonDump(n), '7');
    assert.equal(rt.exports.opa_value_boolean(rt.exports.opa_boolean(1)), 1);
    assert.equal(rt.exports.opa_value_boolean(rt.valueParse('1')), 0);
    assert.equal(rt.jsonDump(rt.exports.opa_number_float(2.5)), '2.5');
    assert.equal(rt.jsonDump(rt.exports.opa_number_ref(...rt.write('12e-1'))), '1.2');
  });
});

describe('heap', () => {
  it('rewinds with opa_heap_ptr_set and reuses freed blocks', () => {
    const mark = rt.exports.opa_heap_ptr_get();
    const a = rt.exports.opa_malloc(100);
    rt.exports.opa_free(a);
    assert.equal(rt.exports.opa_malloc(100), a);
    rt.exports.opa_malloc(5000);
    rt.exports.opa_heap_ptr_set(mark + 3);
    assert.equal(rt.exports.opa_heap_ptr_get(), (mark + 3 + 7) & ~7);
    rt.exports.opa_heap_ptr_set(mark);
    assert.equal(rt.exports.opa_malloc(100), a);
  });

  it('keeps data loaded below the rewind point intact across lazy sorting and iteration', () => {
    const fresh = loadRuntime();
    const fields = Array.from({ length: 40 }, (_, i) => `"k${String(39 - i).padStart(2, '0')}":${i}`);
    const data = fresh.jsonParse(`{"obj":{${fields.join(',')}},"arr":[10,20,30]}`);
    const base = fresh.exports.opa_heap_ptr_get();
    for (let round = 0; round < 3; round++) {
      fresh.exports.opa_heap_ptr_set(base);
      const obj = fresh.exports.opa_value_get(data, fresh.valueParse('"obj"'));
      const arr = fresh.exports.opa_value_get(data, fresh.valueParse('"arr"'));
      const seen: string[] = [];
      for (let k = fresh.exports.opa_value_iter(obj, 0); k !== 0; k = fresh.exports.opa_value_iter(obj, k)) {
        seen.push(`${fresh.jsonDump(k)}=${fresh.jsonDump(fresh.exports.opa_value_get(obj, k))}`);
      }
      assert.equal(seen.length, 40);
      assert.equal(seen[0], '"k00"=39');
      const elems: string[] = [];
      for (let k = fresh.exports.opa_value_iter(arr, 0); k !== 0; k = fresh.exports.opa_value_iter(arr, k)) {
        elems.push(fresh.jsonDump(fresh.exports.opa_value_get(arr, k)));
      }
      assert.deepEqual(elems, ['10', '20', '30']);
      // scribble over everything allocated during this "evaluation"
      const junk = fresh.exports.opa_malloc(200000);
      new Uint8Array(fresh.memory.buffer, junk - 64, 200064).fill(0xab);
    }
  });

  it('grows memory for a multi-megabyte document and dumps it back unchanged', () => {
    const fresh = loadRuntime();
    const doc = {
      items: Array.from({ length: 60000 }, (_, i) => ({
        id: i,
        name: `item-${i}`,
        tags: ['a', 'b'],
        score: i / 7,
      })),
    };
    const text = JSON.stringify(doc);
    assert.ok(text.length > 4_000_000);
    const before = fresh.memory.buffer.byteLength;
    const v = fresh.jsonParse(text);
    assert.notEqual(v, 0);
    assert.ok(fresh.memory.buffer.byteLength > before);
    assert.deepEqual(JSON.parse(fresh.jsonDump(v)), doc);
  });
});

describe('evaluation ABI', () => {
  it('opa_eval resets the heap, parses the input and dumps the (stub) result', () => {
    const fresh = loadRuntime();
    const data = fresh.jsonParse('{}');
    const [addr, len] = fresh.write('{"x": {1, 2}}');
    const heap = fresh.exports.opa_heap_ptr_get();
    const out = fresh.exports.opa_eval(0, 0, data, addr, len, heap + 1, 0);
    assert.equal(fresh.readCString(out), 'null');
    assert.ok(out >= ((heap + 1 + 7) & ~7));
    const [bad, badLen] = fresh.write('{"x": ');
    assert.throws(() => fresh.exports.opa_eval(0, 0, data, bad, badLen, bad + badLen, 0), RuntimeAbort);
  });

  it('keeps the eval context layout', () => {
    const ctx = rt.exports.opa_eval_ctx_new();
    rt.exports.opa_eval_ctx_set_input(ctx, 11);
    rt.exports.opa_eval_ctx_set_data(ctx, 22);
    rt.exports.opa_eval_ctx_set_entrypoint(ctx, 33);
    const words = new Int32Array(rt.memory.buffer, ctx, 4);
    assert.deepEqual([...words], [11, 22, 0, 33]);
    words[2] = 44;
    assert.equal(rt.exports.opa_eval_ctx_get_result(ctx), 44);
  });

  it('memoizes per frame', () => {
    const one = rt.valueParse('1');
    const two = rt.valueParse('2');
    rt.exports.opa_memoize_init();
    rt.exports.opa_memoize_insert(3, one);
    assert.equal(rt.exports.opa_memoize_get(3), one);
    rt.exports.opa_memoize_push();
    assert.equal(rt.exports.opa_memoize_get(3), 0);
    rt.exports.opa_memoize_insert(3, two);
    for (let i = 100; i < 200; i++) rt.exports.opa_memoize_insert(i, one);
    assert.equal(rt.exports.opa_memoize_get(3), two);
    assert.equal(rt.exports.opa_memoize_get(150), one);
    rt.exports.opa_memoize_pop();
    assert.equal(rt.exports.opa_memoize_get(3), one);
    rt.exports.opa_memoize_init();
    assert.equal(rt.exports.opa_memoize_get(3), 0);
  });

  it('looks up dynamic-call mappings', () => {
    rt.exports.opa_mapping_init(...rt.write('{"a":{"b":{"c":7}},"d":3}'));
    assert.equal(rt.exports.opa_mapping_lookup(rt.valueParse('["a","b","c"]')), 7);
    assert.equal(rt.exports.opa_mapping_lookup(rt.valueParse('["d"]')), 3);
    assert.equal(rt.exports.opa_mapping_lookup(rt.valueParse('["a","b"]')), 0);
    assert.equal(rt.exports.opa_mapping_lookup(rt.valueParse('["x"]')), 0);
  });

  it('formats runtime errors as file:row:col: message', () => {
    const file = rt.write('policy.rego\0')[0];
    const msg = rt.write('var assignment conflict\0')[0];
    assert.throws(() => rt.exports.opa_runtime_error(file, 3, 7, msg), {
      name: 'RuntimeAbort',
      message: 'policy.rego:3:7: var assignment conflict',
    });
  });

  it('exposes the stub entry points the code generator replaces', () => {
    assert.equal(rt.jsonDump(rt.exports.builtins()), '{}');
    assert.equal(rt.jsonDump(rt.exports.entrypoints()), '{}');
  });
});
