// Diagnostics for broken Rego: exact code, message, row and column (code points), OPA's wording.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic, MAX_DIAGNOSTICS, parseModule, parseQuery, parseTerm } from './index.js';

function diags(src: string): string[] {
  const r = parseModule(src, 'p.rego');
  if (r.diagnostics.length === 0) assert.ok(r.module, 'a module without diagnostics');
  else assert.equal(r.module, undefined, 'no module when there are diagnostics');
  return r.diagnostics.map(formatDiagnostic);
}

describe('parse diagnostics', () => {
  const cases: [string, string, string[]][] = [
    [
      'unterminated body',
      'package p\n\np if {\n  x := 1\n',
      ['p.rego:5:1: rego_parse_error: unexpected eof token'],
    ],
    ['extra brace', 'package p\n\np if { x := 1 }}\n', ['p.rego:3:16: rego_parse_error: unexpected } token']],
    [
      'v0 partial set',
      'package p\n\np[x] { x := 1 }\n',
      [
        'p.rego:3:1: rego_parse_error: `if` keyword is required before rule body',
        'p.rego:3:1: rego_parse_error: `contains` keyword is required for partial set rules',
      ],
    ],
    [
      'missing if',
      'package p\np { true }\n',
      ['p.rego:2:1: rego_parse_error: `if` keyword is required before rule body'],
    ],
    [
      'missing if on else',
      'package p\np := 1 if { true } else := 2 { true }\n',
      ['p.rego:2:20: rego_parse_error: `if` keyword is required before rule body'],
    ],
    ['lone name', 'package p\n\np\n', ['p.rego:3:1: rego_parse_error: var cannot be used for rule name']],
    [
      'keyword as rule name',
      'package p\ncontains := 1\n',
      ['p.rego:2:1: rego_parse_error: contains keyword cannot be used for rule name'],
    ],
    [
      'if as rule name',
      'package p\nif := 1\n',
      ['p.rego:2:1: rego_parse_error: if keyword cannot be used for rule name'],
    ],
    ['bad escape', 'package p\nx := "a\\qb"\n', ['p.rego:2:6: rego_parse_error: illegal escape sequence']],
    [
      'leading zero',
      'package p\nx := 01\n',
      [
        'p.rego:2:6: rego_parse_error: unexpected number token: expected number without leading zero',
        'p.rego:2:6: rego_parse_error: unexpected number token: expected rule value term (e.g., x := <VALUE> { ... })',
      ],
    ],
    [
      'unterminated string',
      'package p\nx := "abc\n',
      ['p.rego:2:6: rego_parse_error: non-terminated string'],
    ],
    [
      'unterminated raw string',
      'package p\nx := `abc',
      ['p.rego:2:6: rego_parse_error: non-terminated string'],
    ],
    [
      'missing newline between literals',
      'package p\np if { x y }\n',
      ['p.rego:2:10: rego_parse_error: unexpected ident token: expected \\n or ; or }'],
    ],
    [
      'empty body',
      'package p\np if {}\nq if { x := [y | ] }\n',
      ['p.rego:3:18: rego_parse_error: found empty body'],
    ],
    ['dangling dot', 'package foo.', ['p.rego:1:13: rego_parse_error: unexpected eof token: expected ident']],
    [
      'bad import root',
      'package p\nimport foo.bar\n',
      [
        'p.rego:2:8: rego_parse_error: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo',
      ],
    ],
    [
      'default with var',
      'package p\ndefault p := x\n',
      ['p.rego:2:1: rego_parse_error: illegal default rule (value cannot contain var)'],
    ],
    [
      'unary minus on var',
      'package p\np := -x\n',
      [
        'p.rego:2:7: rego_parse_error: unexpected ident token: expected number',
        'p.rego:2:7: rego_parse_error: unexpected ident token: expected rule value term (e.g., p := <VALUE> { ... })',
      ],
    ],
    [
      'comprehension head needs parentheses (OPA issue 4215)',
      'package p\nbug := [x + 1 | x := [1, 2, 3][_]]\n',
      [
        'p.rego:2:19: rego_parse_error: unexpected assign token: expected "," or "]"',
        'p.rego:2:19: rego_parse_error: unexpected assign token: expected rule value term (e.g., bug := <VALUE> { ... })',
      ],
    ],
    [
      'columns count code points',
      'package p\np := "😀😀" + ⚡\n',
      ['p.rego:2:13: rego_parse_error: illegal token'],
    ],
    ['no package', 'p := 1\n', ['p.rego:1:1: rego_parse_error: package expected']],
    ['empty file', '', ['p.rego:1:1: rego_parse_error: empty module']],
    [
      'metadata scope mismatch',
      'package p\n# METADATA\n# scope: package\np := 1\n',
      ["p.rego:2:1: rego_parse_error: annotation scope 'package' must be applied to package (have rule)"],
    ],
    [
      'else on multi-value rule',
      'package p\np contains 1 if { true } else := 2\n',
      ['p.rego:2:26: rego_parse_error: else keyword cannot be used on multi-value rules'],
    ],
  ];
  for (const [name, src, want] of cases) it(name, () => assert.deepEqual(diags(src), want));

  it('recovers at the next rule and reports several errors', () => {
    const src = 'package p\np if { x y }\nq if {1 = }\nr := 2\ns if { 1 +  }\n';
    assert.deepEqual(diags(src), [
      'p.rego:2:10: rego_parse_error: unexpected ident token: expected \\n or ; or }',
      'p.rego:3:11: rego_parse_error: unexpected } token',
      'p.rego:5:13: rego_parse_error: unexpected } token',
    ]);
  });

  it(`stops after ${MAX_DIAGNOSTICS} errors`, () => {
    const src = `package p\n${'p { true }\n'.repeat(30)}`;
    assert.equal(diags(src).length, MAX_DIAGNOSTICS);
  });

  it('reports malformed METADATA YAML at the block', () => {
    const [d] = diags('package p\n# METADATA\n# title: [x\np := 1\n');
    assert.match(d, /^p\.rego:3:1: rego_parse_error: yaml: /);
  });

  it('queries and terms report diagnostics too', () => {
    const q = parseQuery('x := 1 y := 2', 'q');
    assert.equal(q.body, undefined);
    assert.deepEqual(q.diagnostics.map(formatDiagnostic), [
      'q:1:8: rego_parse_error: unexpected ident token: expected \\n or ; or eof',
    ]);
    const t = parseTerm('x := 1', 't');
    assert.equal(t.term, undefined);
    assert.deepEqual(t.diagnostics.map(formatDiagnostic), [
      't:1:1: rego_parse_error: expected exactly one term',
    ]);
  });
});
