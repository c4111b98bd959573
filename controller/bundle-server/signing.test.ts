// Bundle signing: HS256 and RS256 round trips, OPA's canonical digests, and every refusal a
// waypoint relies on (tampering, extra or missing files, unsigned bundles, wrong keys, scope).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { readBundle } from '../../engine/index.js';
import { isControllerError } from '../errors.js';
import { packBundleFiles, readBundleFiles } from './bundle-files.js';
import { canonicalJson, fileDigest } from './file-hash.js';
import {
  type SigningKey,
  signBundle,
  type VerificationKey,
  verifyBundle,
  verifyBundleDetailed,
  verifyToken,
} from './signing.js';
import { sampleBundle } from './testing.js';

const hs: SigningKey & VerificationKey = { algorithm: 'HS256', secret: 'shared-secret', keyId: 'controller' };
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function rejects(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isControllerError(err), `expected a ControllerError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Rewrites one file of a signed bundle, keeping its signature. */
function tamper(bytes: Uint8Array, edit: (files: ReturnType<typeof readBundleFiles>) => void): Uint8Array {
  const files = readBundleFiles(bytes);
  edit(files);
  return packBundleFiles(files);
}

test('HS256: a signed bundle verifies and reads back the same content', () => {
  const signed = signBundle(sampleBundle(), hs, { issuedAt: 1_700_000_000 });
  const { bundle, claims } = verifyBundleDetailed(signed, hs);
  assert.equal(bundle.manifest.revision, 'r1');
  assert.deepEqual(bundle.data, { limits: { max: 3 } });
  assert.equal(bundle.modules[0].file, '/policies/decision.rego');
  assert.deepEqual(
    claims?.files.map((f) => f.name),
    ['data.json', 'policies/decision.rego', 'policy.wasm', '.manifest'],
  );
  assert.equal(claims?.keyid, 'controller');
  assert.equal(claims?.iat, 1_700_000_000);
  assert.ok(claims?.files.every((f) => f.algorithm === 'SHA-256' && /^[0-9a-f]{64}$/.test(f.hash)));
  // The signatures file sits just before the manifest, as `opa build` writes it.
  assert.deepEqual(
    readBundleFiles(signed).map((f) => f.name),
    ['data.json', 'policies/decision.rego', 'policy.wasm', '.signatures.json', '.manifest'],
  );
  // The engine's reader ignores the signature file, so signed bundles stay readable everywhere.
  assert.deepEqual(readBundle(signed).data, { limits: { max: 3 } });
});

test('signing is deterministic for a fixed iat, and re-signing replaces the old signature', () => {
  const a = signBundle(sampleBundle(), hs, { issuedAt: 1 });
  assert.deepEqual(a, signBundle(sampleBundle(), hs, { issuedAt: 1 }));
  const again = signBundle(a, hs, { issuedAt: 2 });
  assert.equal(readBundleFiles(again).filter((f) => f.name === '.signatures.json').length, 1);
  assert.equal(verifyBundleDetailed(again, hs).claims?.iat, 2);
});

test('signBundle accepts bundle contents and writes them with the engine', () => {
  const signed = signBundle({ manifest: { revision: 'c', roots: [''] }, data: { x: 1 } }, hs);
  assert.deepEqual(verifyBundle(signed, hs).data, { x: 1 });
});

test('RS256: verifies with the public key (or the private key PEM), not with another pair', () => {
  const signed = signBundle(sampleBundle(), { algorithm: 'RS256', privateKey: rsa.privateKey });
  assert.equal(
    verifyBundle(signed, { algorithm: 'RS256', publicKey: rsa.publicKey }).manifest.revision,
    'r1',
  );
  assert.equal(
    verifyBundle(signed, { algorithm: 'RS256', publicKey: rsa.privateKey }).manifest.revision,
    'r1',
  );
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rejects(
    () => verifyBundle(signed, { algorithm: 'RS256', publicKey: other.publicKey }),
    'SM_ERR_BUNDLE_SIG_INVALID',
  );
});

test('a tampered, added or removed file is rejected', () => {
  const signed = signBundle(sampleBundle(), hs);
  const changedData = tamper(signed, (files) => {
    const f = files.find((x) => x.name === 'data.json')!;
    f.body = Buffer.from('{"limits":{"max":1000}}');
  });
  rejects(() => verifyBundle(changedData, hs), 'SM_ERR_BUNDLE_SIG_DIGEST');
  const changedWasm = tamper(signed, (files) => {
    files.find((x) => x.name === 'policy.wasm')!.body[7] = 9;
  });
  rejects(() => verifyBundle(changedWasm, hs), 'SM_ERR_BUNDLE_SIG_DIGEST');
  const added = tamper(signed, (files) => {
    files.push({ name: 'policies/backdoor.rego', body: Buffer.from('package backdoor\n') });
  });
  rejects(() => verifyBundle(added, hs), 'SM_ERR_BUNDLE_SIG_UNSIGNED_FILE');
  const removed = tamper(signed, (files) => {
    files.splice(
      files.findIndex((x) => x.name === 'policies/decision.rego'),
      1,
    );
  });
  rejects(() => verifyBundle(removed, hs), 'SM_ERR_BUNDLE_SIG_MISSING_FILE');
});

test('JSON documents are compared canonically: reformatting data.json keeps the signature valid', () => {
  const signed = signBundle(sampleBundle(), hs);
  const pretty = tamper(signed, (files) => {
    files.find((x) => x.name === 'data.json')!.body = Buffer.from('{\n  "limits": {\n    "max": 3\n  }\n}\n');
  });
  assert.deepEqual(verifyBundle(pretty, hs).data, { limits: { max: 3 } });
});

test('missing, unexpected and malformed signatures', () => {
  rejects(() => verifyBundle(sampleBundle(), hs), 'SM_ERR_BUNDLE_SIG_MISSING');
  const signed = signBundle(sampleBundle(), hs);
  rejects(() => verifyBundle(signed, undefined), 'SM_ERR_BUNDLE_SIG_UNEXPECTED');
  assert.equal(verifyBundle(sampleBundle(), undefined).manifest.revision, 'r1');
  const garbage = tamper(signed, (files) => {
    files.find((x) => x.name === '.signatures.json')!.body = Buffer.from('{"signatures":["a.b"]}');
  });
  rejects(() => verifyBundle(garbage, hs), 'SM_ERR_BUNDLE_SIG_MALFORMED');
  const two = tamper(signed, (files) => {
    const f = files.find((x) => x.name === '.signatures.json')!;
    const token = (JSON.parse(f.body.toString()) as { signatures: string[] }).signatures[0];
    f.body = Buffer.from(JSON.stringify({ signatures: [token, token] }));
  });
  rejects(() => verifyBundle(two, hs), 'SM_ERR_BUNDLE_SIG_MALFORMED');
  rejects(() => verifyBundle(new Uint8Array([1, 2, 3]), hs), 'SM_ERR_BUNDLE_SIG_MALFORMED');
});

test('wrong secret, algorithm confusion, scope mismatch and unknown key ids are rejected', () => {
  const signed = signBundle(sampleBundle(), hs);
  rejects(() => verifyBundle(signed, { ...hs, secret: 'other' }), 'SM_ERR_BUNDLE_SIG_INVALID');
  // An HS256 token must not verify against an RSA key whose public PEM an attacker could use as HMAC secret.
  const confused = signBundle(sampleBundle(), { algorithm: 'HS256', secret: rsa.publicKey });
  rejects(
    () => verifyBundle(confused, { algorithm: 'RS256', publicKey: rsa.publicKey }),
    'SM_ERR_BUNDLE_SIG_INVALID',
  );
  const scoped = signBundle(sampleBundle(), { ...hs, scope: 'write' });
  rejects(() => verifyBundle(scoped, hs), 'SM_ERR_BUNDLE_SIG_SCOPE');
  assert.ok(verifyBundle(scoped, { ...hs, scope: 'write' }));
  const keys: VerificationKey[] = [
    { algorithm: 'HS256', secret: 'a', keyId: 'k1' },
    { algorithm: 'HS256', secret: 'b', keyId: 'k2' },
  ];
  rejects(() => verifyBundle(signed, undefined, { keys }), 'SM_ERR_BUNDLE_SIG_KEY');
  const rotated = signBundle(sampleBundle(), { algorithm: 'HS256', secret: 'b', keyId: 'k2' });
  assert.ok(verifyBundle(rotated, undefined, { keys }));
  rejects(
    () => signBundle(sampleBundle(), { algorithm: 'RS256', privateKey: 'not a pem' }),
    'SM_ERR_BUNDLE_SIG_KEY',
  );
  rejects(() => signBundle(sampleBundle(), { algorithm: 'HS256', secret: '' }), 'SM_ERR_BUNDLE_SIG_KEY');
});

test('canonical JSON follows OPA: sorted keys by bytes, literal numbers, no HTML escaping', () => {
  assert.equal(
    canonicalJson(
      'data.json',
      Buffer.from('{ "b": 1.0, "a": ["<&>", 1e3, null, true], "\u{1F600}": 0, "\uFFFF": 1 }'),
    ),
    '{"a":["<&>",1e3,null,true],"b":1.0,"\uFFFF":1,"\u{1F600}":0}',
  );
  assert.equal(canonicalJson('x/data.json', Buffer.from('{"s":"\u2028"}')), '{"s":"\\u2028"}');
  assert.equal(canonicalJson('data.yaml', Buffer.from('b: 2\na: [x]\n')), '{"a":["x"],"b":2}');
  assert.throws(() => canonicalJson('data.json', Buffer.from('{"a":1,}')), SyntaxError);
  // Non-structured files hash their raw bytes.
  assert.equal(
    fileDigest('policy.wasm', Buffer.from('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

test('HS256 agrees with a published JWS vector; claims are checked only after the signature', () => {
  // The widely published HS256 example token for payload {"sub":"1"} and secret "secret".
  const token =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.8qZF8vbN3UpcanXFc-mPXJkOPN01-bRch8XX3rToP1U';
  rejects(
    () => verifyToken(token, [{ algorithm: 'HS256', secret: 'secret' }]),
    'SM_ERR_BUNDLE_SIG_MALFORMED',
  );
  rejects(() => verifyToken(token, [{ algorithm: 'HS256', secret: 'Secret' }]), 'SM_ERR_BUNDLE_SIG_INVALID');
});
