// Host builtins inside a real compiled policy run by the unmodified opa-wasm SDK: exact integers
// reach the module through ArrayBuffer results, set results arrive as arrays, errors are undefined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile, loadPolicy } from '../index.js';

const SOURCE = `package t

exact_bytes := units.parse_bytes("10EiB") == 11529215046068469760

exact_ns := time.parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z") == 9223372036854775807

expanded := net.cidr_expand("10.0.0.0/31")

hosts := count(net.cidr_expand("10.0.0.0/30"))

claims := io.jwt.decode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY")[1]

bad_units := units.parse(input.size)

same_now := time.now_ns() == time.now_ns()

matched := regex.match("^(a+)+$", input.long)
`;

test('host builtins work through the SDK', async () => {
  const built = compile({ modules: [{ file: 't.rego', source: SOURCE }], entrypoints: ['t'] });
  assert.deepEqual(built.diagnostics, []);
  assert.ok(built.wasm, built.internalError?.message);
  const policy = await loadPolicy(built.wasm);
  assert.deepEqual(policy.missingBuiltins, []);
  const rows = policy.evaluate({ size: '12 GB', long: `${'a'.repeat(30_000)}!` });
  assert.deepEqual(rows, [
    {
      result: {
        exact_bytes: true,
        exact_ns: true,
        expanded: ['10.0.0.0', '10.0.0.1'],
        hosts: 4,
        claims: { iss: 'opa', sub: '0' },
        same_now: true,
        matched: false,
      },
    },
  ]);
});
