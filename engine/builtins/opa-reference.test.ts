// Host builtins against the real opa: each call below is evaluated by `opa eval` (one module, one
// rule per call; a builtin error leaves the rule undefined, as in OPA's non-strict evaluation) and
// by our TypeScript implementation, and the two must agree, undefined included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BuiltinCall, findOpa, opaEvalCalls } from '../reference/opa.js';
import { hostBuiltins as h } from './index.js';

const CALLS: BuiltinCall[] = [
  ['uri.parse', 'https://user:pw@Example.com:8443/a%2Fb/c?x=1&y=2#frag%20ment'],
  ['uri.parse', 'HTTP://[fe80::1%25en0]:80/'],
  ['uri.parse', 'http://[::ffff:1.2.3.4]/'],
  ['uri.parse', 'http://[1.2.3.4]/'],
  ['uri.parse', 'http://a:b:80/'],
  ['uri.parse', 'ftp://a:b:80/x'],
  ['uri.parse', 'http://h:8x/'],
  ['uri.parse', 'http://h%41/'],
  ['uri.parse', 'http://h%C3%BC/'],
  ['uri.parse', 'http://ü.de/ä?ö#ü'],
  ['uri.parse', 'mailto:someone@example.com'],
  ['uri.parse', 'urn:isbn:0451450523'],
  ['uri.parse', '//host/only'],
  ['uri.parse', '///triple'],
  ['uri.parse', 'a:b/c'],
  ['uri.parse', '1a:b'],
  ['uri.parse', ':nope'],
  ['uri.parse', 'seg:ment/x'],
  ['uri.parse', './seg:ment'],
  ['uri.parse', '*'],
  ['uri.parse', '?'],
  ['uri.parse', 'x?'],
  ['uri.parse', 'x??'],
  ['uri.parse', '#'],
  ['uri.parse', 'a#b#c'],
  ['uri.parse', '/p%zz'],
  ['uri.parse', '/p#%zz'],
  ['uri.parse', '/a b\tc'],
  ['uri.parse', '/a b#\tc'],
  ['uri.parse', 'http://us er@h/'],
  ['uri.parse', 'http://u%zz@h/'],
  ['uri.parse', 'http://u@v@h/'],
  ['uri.parse', 'http://[::1/'],
  ['uri.parse', 'http://x[::1]/'],
  ['uri.parse', 'http://[::1]x/'],
  ['uri.parse', 'http://[fe80::1%25]/'],
  ['uri.parse', 'http://[fe80::1%25%41]/'],
  ['uri.parse', 'http://h/%2e%2E/x'],
  ['uri.parse', "http://h/!'()*"],
  ['uri.parse', 'http://h/%21%27%28%29%2A'],
  ['uri.parse', ''],
  ['uri.is_valid', 'https://example.com'],
  ['uri.is_valid', ''],
  ['uri.is_valid', '%'],
  ['uri.is_valid', 'http://h:١٢/'],
  ['uri.is_valid', 'http://[::1/'],
  // names only from the hosts file and literal addresses: no test reaches a resolver
  ['net.lookup_ip_addr', 'localhost'],
  ['net.lookup_ip_addr', 'LOCALHOST'],
  ['net.lookup_ip_addr', '127.0.0.9'],
  ['net.lookup_ip_addr', '::ffff:127.0.0.1'],
  ['net.lookup_ip_addr', '0:0::1'],
  ['json.marshal_with_options', { a: [1, { b: null }] }, { prefix: '> ', indent: '  ' }],
  ['json.marshal_with_options', [], { prefix: '---' }],
  ['json.marshal_with_options', { a: 1 }, { pretty: false, prefix: 'x' }],
  ['strings.render_template', '{{.a}} {{.missing}} <no value>', { a: 1 }],
  ['uuid.parse', '(00000000-0000-4000-8000-000000000000)'],
  ['uuid.parse', 'URN:UUID:000003e8-48b9-21ee-b200-325096b39f47'],
  ['uuid.parse', '00000000000040008000000000000000'],
  ['uuid.parse', '00000000-0000-4000-8000-00000000000'],
  ['graph.reachable_paths', { '1': ['2'], '2': ['3', '1'], '3': [], '4': ['2', 'x'] }, ['4', '1']],
  ['graph.reachable_paths', { a: ['b'], b: ['c'], c: ['a', 'd'], d: [] }, ['a']],
  ['crypto.parse_private_keys', ''],
  ['crypto.parse_private_keys', 'nope'],
  ['yaml.is_valid', 'a: 1\n---\nb: 2\n'],
  ['yaml.is_valid', 'a: 1\n---\n\tb: 2\n'],
  ['yaml.unmarshal', 'a: 1\n---\nb: 2\n'],
  [
    'graphql.parse_query',
    'query q($v: Int = 3) @d(x: [1, {y: $v}]) { f(a: "s") { ...F } } fragment F on T { g }',
  ],
  ['json.patch', {}, [{ op: 'add', path: '/', value: 1 }]],
  ['json.patch', { a: { b: 1 } }, [{ op: 'add', path: '//a/c', value: 2 }]],
  ['json.patch', [null], [{ op: 'test', path: '/0' }]],
  ['json.patch', [null], [{ op: 'test', path: '/0', value: null }]],
  ['json.patch', { a: 1 }, [{ op: 'move', path: '/b' }]],
  ['json.patch', { a: 1 }, [{ path: '/b', value: 1 }]],
  ['strings.split_n', 'a,b,c,d', ',', 2],
  ['strings.split_n', 'a,b,c,d', ',', -2],
  ['strings.split_n', 'a,b,c,d', ',', 9],
  ['strings.split_n', 'a,b,c,d', ',', -9],
  ['strings.split_n', 'a,b', ',', 0],
  ['strings.split_n', 'abc', '', 2],
  ['strings.split_n', 'äöü', '', -2],
  ['strings.split_n', '', ',', 1],
  ['strings.split_n', '', '', 1],
  ['strings.split_n', 'a,b', ',', 1.5],
  ['strings.split_n', 'a,,b,', ',', 1e18],
];

/** Our result as JSON (exact integers and sets come back as Rego text in an ArrayBuffer). */
function ours([name, ...args]: BuiltinCall): unknown {
  const v = h[name](...args);
  return v instanceof ArrayBuffer ? JSON.parse(new TextDecoder().decode(v)) : v;
}

describe('host builtins agree with the real opa', () => {
  const opa = findOpa();
  it('every call gives the value opa gives, or is undefined where opa is', { skip: opa.skip }, () => {
    const theirs = opaEvalCalls(CALLS);
    CALLS.forEach((call, i) => {
      assert.deepEqual(ours(call), theirs[i], JSON.stringify(call));
    });
  });
});
