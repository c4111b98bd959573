// sprintf with Go's fmt semantics as OPA feeds it, plus the other string builtins' edge cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

describe('sprintf', () => {
  const table: [string, unknown[], string][] = [
    ['hi', [], 'hi'],
    ['hi %s', ['there'], 'hi there'],
    ['hi %02X.%02X', [127, 1], 'hi 7F.01'],
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: the conformance case's literal.
    ['hi %.2f', [3.1415], 'hi 3.14'],
    ['hi %v', [['there', 5, 3.14]], 'hi ["there", 5, 3.14]'],
    ['%v', [{ b: [1, null], a: 'x' }], '{"a": "x", "b": [1, null]}'],
    ['%d items', [42], '42 items'],
    ['%5d|%-5d|%05d', [42, 42, -42], '   42|42   |-0042'],
    ['%+d % d', [5, 5], '+5  5'],
    ['%x %X %o %b', [255, 255, 8, 5], 'ff FF 10 101'],
    ['%#x %#o', [255, 8], '0xff 010'],
    ['%c %q %U', [65, 66, 0x1f600], "A 'B' U+1F600"],
    ['%s|%10s|%-10s|%.2s', ['go', 'go', 'go', 'golang'], 'go|        go|go        |go'],
    ['%q', ['a"b\n'], '"a\\"b\\n"'],
    ['%x', ['hi'], '6869'],
    ['%f %.1f %8.3f', [2.5, 2.25, 3.14158], '2.500000 2.2    3.142'],
    ['%e %E', [123456.789, 0.000123], '1.234568e+05 1.230000E-04'],
    ['%g %g %g', [0.5, 1e-7, 123456789.5], '0.5 1e-07 1.234567895e+08'],
    ['%v %v', [1234567.5, 100000.5], '1.2345675e+06 100000.5'],
    ['%t', [true], '%!t(string=true)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%s', [5], '%!s(int64=5)'], // opa v1.22.4: int64 (big.Int past it)
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['x', [1, 'a'], 'x%!(EXTRA int64=1, string=a)'],
    ['100%%', [], '100%'],
    ['%', [], '%!(NOVERB)'],
    ['%*d', [4, 7], '   7'],
    ['%v', [null], 'null'],
    ['%v', [[]], '[]'],
    ['%v', ['é'], 'é'],
  ];
  for (const [format, args, want] of table) {
    it(`${JSON.stringify(format)} ${JSON.stringify(args)}`, () => {
      assert.equal(h.sprintf(format, args), want);
    });
  }
  it('is undefined for a non-string format or non-array values', () => {
    assert.equal(h.sprintf(1, []), undefined);
    assert.equal(h.sprintf('%s', 'x'), undefined);
  });
});

describe('string fallbacks', () => {
  it('follows Go for split, replace and strings.replace_n', () => {
    assert.deepEqual(h.split('a😀b', ''), ['a', '😀', 'b']);
    assert.equal(h.replace('abc', '', '-'), '-a-b-c-');
    assert.equal(h['strings.replace_n']({ a: '1', ab: '2' }, 'abab'), '1b1b');
    assert.equal(h['strings.replace_n']({ '': 'X' }, 'ab'), 'XaXbX');
  });
  it('counts indexes in runes', () => {
    assert.equal(h.indexof('😀ab', 'b'), 2);
    assert.deepEqual(h.indexof_n('aaa', 'aa'), [0, 1]);
    assert.equal(h.indexof_n('aaa', ''), undefined);
  });
  it('formats integers and parses numbers the Go way', () => {
    assert.equal(h.format_int(-255, 16), '-ff');
    assert.equal(h.format_int(3.9, 10), '3');
    assert.equal(h.format_int(3, 7), undefined);
    assert.equal(h.to_number('0x10'), undefined);
    assert.equal(h.to_number('-1.5e2'), -150);
    assert.equal(h.to_number(true), 1);
  });
  it('marshals JSON like encoding/json', () => {
    assert.equal(h['json.marshal']({ b: '<&>', a: [1.5, 2] }), '{"a":[1.5,2],"b":"\\u003c\\u0026\\u003e"}');
    assert.equal(h['json.marshal_with_options']({ a: [1] }, { pretty: true }), '{\n\t"a": [\n\t\t1\n\t]\n}');
    assert.equal(
      h['json.marshal_with_options']({ a: 1 }, { indent: '  ', prefix: '>' }),
      '>{\n>  "a": 1\n>}',
    );
  });
  it('implements strings.count, any_prefix_match and any_suffix_match', () => {
    assert.equal(h['strings.count']('cheese', 'e'), 3);
    assert.equal(h['strings.count']('five', ''), 5);
    assert.equal(h['strings.any_prefix_match'](['aaa', 'bbb'], 'b'), true);
    assert.equal(h['strings.any_suffix_match']('abc', ['x', 'y']), false);
  });
});

describe('strings.render_template', () => {
  const table: [string, Record<string, unknown>, string | undefined][] = [
    ['{{.test}}', { test: 'hello world' }, 'hello world'],
    ['{{.test}}', { test: 2023 }, '2023'],
    [
      '{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}',
      { hellonames: ['rohan', 'john doe'] },
      'hello rohan,hello john doe',
    ],
    ['{{.testvarnotprovided}}', { test: 'hello world' }, '<undefined>'], // opa v1.22.4: a missing key prints <undefined>
    ['{{if eq .a 1}}one{{else if gt .a 1}}many{{else}}none{{end}}', { a: 2 }, 'many'],
    ['a {{- " b " -}} c', {}, 'a b c'],
    [
      '{{range .m}}{{.}},{{end}}|{{with .n}}{{.z}}{{else}}no{{end}}|{{len .l}}',
      { m: { b: 2, a: 1 }, n: null, l: [1] },
      '1,2,|no|1',
    ],
    [
      '{{.l}} {{.m}} {{.x.y}}',
      { l: [1, 'a'], m: { k: true }, x: { y: null } },
      '[1 a] map[k:true] <undefined>',
    ],
    ['{{$x := .a}}{{range .l}}{{$x}}{{.}}{{end}}', { a: 'A', l: [1, 2] }, 'A1A2'],
    ['{{index .m "k"}} {{.a | printf}}', { m: { k: 'v' }, a: 1 }, undefined],
    ['{{if .a}}', { a: 1 }, undefined],
  ];
  for (const [template, vars, want] of table) {
    it(template, () => assert.equal(h['strings.render_template'](template, vars), want));
  }
});
