// Crypto builtins: X.509 conformance cases (fixtures/x509-cases.json, projected the way each case's
// Rego does), and io.jwt signing/verification round trips with freshly generated keys.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hostBuiltins as h } from './index.js';

interface X509Case {
  note: string;
  builtin: string;
  args: string[];
  projection: string;
  value?: unknown;
  undefined?: boolean;
}

type Cert = { Subject: { CommonName: string }; DNSNames: string[] | null; URIStrings: string[] | null };

const PROJECT: Record<string, (r: unknown) => unknown> = {
  'cn-list': (r) => (r as Cert[]).map((c) => c.Subject.CommonName),
  'uri-first': (r) => (r as Cert[])[0].URIStrings,
  'csr-cn': (r) => (r as Cert).Subject.CommonName,
  cert0: (r) => (r as { Certificate: string[] }).Certificate[0],
  whole: (r) => r,
  'verify-summary': (r) => {
    const [valid, certs] = r as [boolean, Cert[]];
    return {
      valid,
      certs: certs.map((c) => ({ CN: c.Subject.CommonName, DNS: c.DNSNames, URI: c.URIStrings })),
    };
  },
};

const x509 = JSON.parse(
  readFileSync(new URL('./fixtures/x509-cases.json', import.meta.url), 'utf8'),
) as X509Case[];

describe('crypto.x509 conformance cases', () => {
  for (const c of x509) {
    it(c.note, () => {
      const got = h[c.builtin](...c.args);
      if (c.undefined) assert.equal(got, undefined);
      else assert.deepEqual(PROJECT[c.projection](got), c.value);
    });
  }
});

describe('hashes and HMACs', () => {
  it('hashes UTF-8 text', () => {
    assert.equal(
      h['crypto.sha256']('lorem ipsum'),
      '5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269',
    );
    assert.equal(
      h['crypto.hmac.sha256']('foo', 'bar'),
      '147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851',
    );
    assert.equal(h['crypto.hmac.equal']('abc', 'abc'), true);
    assert.equal(h['crypto.hmac.equal']('abc', 'ab'), false);
  });
});

describe('io.jwt', () => {
  const hsKey = { kty: 'oct', k: Buffer.from('secret').toString('base64url') };
  it('signs and verifies HS256 tokens', () => {
    const token = h['io.jwt.encode_sign'](
      { alg: 'HS256', typ: 'JWT' },
      { iss: 'me', exp: 4e9 },
      hsKey,
    ) as string;
    assert.equal(h['io.jwt.verify_hs256'](token, 'secret'), true);
    assert.equal(h['io.jwt.verify_hs256'](token, 'wrong'), false);
    assert.deepEqual(h['io.jwt.decode_verify'](token, { secret: 'secret', iss: 'me' }), [
      true,
      { alg: 'HS256', typ: 'JWT' },
      { exp: 4e9, iss: 'me' },
    ]);
    assert.deepEqual(h['io.jwt.decode_verify'](token, { secret: 'secret', iss: 'you' }), [false, {}, {}]);
    assert.deepEqual(h['io.jwt.decode_verify'](token, { secret: 'secret', time: 4e18 }), [false, {}, {}]);
    assert.equal(h['io.jwt.decode_verify'](token, { secret: 'secret', bogus: 1 }), undefined);
    assert.equal(h['io.jwt.decode_verify'](token, {}), undefined);
  });
  for (const [alg, type, opts] of [
    ['RS256', 'rsa', { modulusLength: 2048 }],
    ['PS384', 'rsa', { modulusLength: 2048 }],
    ['ES256', 'ec', { namedCurve: 'P-256' }],
    ['ES512', 'ec', { namedCurve: 'P-521' }],
  ] as const) {
    it(`signs with a JWK and verifies ${alg} with PEM and JWKS`, () => {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
      const jwk = privateKey.export({ format: 'jwk' });
      const token = h['io.jwt.encode_sign']({ alg }, { sub: 'x' }, jwk) as string;
      const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
      const jwks = JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] });
      const verify = h[`io.jwt.verify_${alg.toLowerCase()}`];
      assert.equal(verify(token, pem), true);
      assert.equal(verify(token, jwks), true);
      assert.equal(verify(`${token.slice(0, -4)}AAAA`, pem), false);
      assert.deepEqual(h['io.jwt.decode_verify'](token, { cert: pem, alg }), [true, { alg }, { sub: 'x' }]);
      assert.deepEqual(h['io.jwt.decode_verify'](token, { cert: pem, alg: 'HS256' }), [false, {}, {}]);
    });
  }
  it('decodes nested (cty: JWT) tokens and rejects malformed ones', () => {
    const inner = h['io.jwt.encode_sign']({ alg: 'HS256' }, { a: 1 }, hsKey) as string;
    const outer = h['io.jwt.encode_sign_raw'](
      '{"alg":"HS256","cty":"JWT"}',
      JSON.stringify(inner),
      JSON.stringify(hsKey),
    );
    const [header, payload] = h['io.jwt.decode'](outer) as [unknown, unknown];
    assert.deepEqual(header, { alg: 'HS256' });
    assert.deepEqual(payload, { a: 1 });
    assert.equal(h['io.jwt.decode']('a.b'), undefined);
    assert.equal(h['io.jwt.decode']('e30.e30.a(b'), undefined);
    assert.equal(
      h['io.jwt.encode_sign_raw']('{"alg":"HS256","typ":"JWT"}', 'not json', JSON.stringify(hsKey)),
      undefined,
    );
  });
});
