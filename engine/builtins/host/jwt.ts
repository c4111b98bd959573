// JSON Web Token builtins (io.jwt.*) on node:crypto: decoding, signature checks for HS/RS/PS/ES/EdDSA
// with secrets, PEM certificates or keys and JWK sets, OPA's decode_verify constraint rules, and
// signing from JWK private keys.
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import { fail, type Json, type JsonObject, obj, str } from './args.js';
import { goJson } from './core.js';
import { nowNs } from './time.js';

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function b64urlDecode(part: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) fail(`${what}: illegal base64 data`);
  return Buffer.from(part.replace(/=+$/, ''), 'base64url');
}

function parseJsonObject(buf: Buffer, what: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new Error(`${what} is not JSON`, { cause: err });
  }
  return obj(v, what);
}

interface Decoded {
  header: JsonObject;
  payloadRaw: Buffer;
  signature: Buffer;
  signingInput: string;
}

function split(token: string): Decoded {
  const parts = token.split('.');
  if (parts.length !== 3) fail('token must have three parts');
  const header = parseJsonObject(b64urlDecode(parts[0], 'header'), 'header');
  if ('enc' in header) fail('JWE tokens are not supported');
  return {
    header,
    payloadRaw: b64urlDecode(parts[1], 'payload'),
    signature: b64urlDecode(parts[2], 'signature'),
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

/** A nested token's text from a `cty: JWT` payload (a JSON string, or the bare token). */
function nestedToken(payload: Buffer): string {
  const text = payload.toString('utf8');
  try {
    const v = JSON.parse(text);
    if (typeof v === 'string') return v;
  } catch {
    // not JSON: the payload is the token itself
  }
  return text;
}

function decode(token: string): [JsonObject, JsonObject, string] {
  let d = split(token);
  while (d.header.cty === 'JWT') d = split(nestedToken(d.payloadRaw));
  return [d.header, parseJsonObject(d.payloadRaw, 'payload'), d.signature.toString('hex')];
}

/**
 * Keys named by a verification string, as OPA's parseKeysFromCertOrJWK reads it: exactly one PEM
 * block (a CERTIFICATE or a PUBLIC KEY; anything after its END line is an error, as with Go's
 * pem.Decode), else a JWK or a JWK set.
 */
function publicKeys(material: string, kid?: Json): KeyObject[] {
  const pem = /(^|\n)-----BEGIN ([^\n]*)-----[\s\S]*?\n-----END \2-----[ \t\r]*(\n|$)/.exec(material);
  if (pem) {
    if (pem.index + pem[0].length < material.length) fail('extra data after a PEM certificate block');
    const block = pem[0].trim();
    if (pem[2] === 'CERTIFICATE') return [new X509Certificate(block).publicKey];
    if (pem[2] === 'PUBLIC KEY') return [createPublicKey(block)];
    fail('failed to extract a Key from the PEM certificate');
  }
  const jwk = JSON.parse(material.trim()) as JsonObject;
  const keys = Array.isArray(jwk.keys) ? (jwk.keys as JsonObject[]) : [jwk];
  const wanted = kid === undefined ? keys : keys.filter((k) => k.kid === undefined || k.kid === kid);
  return wanted.map((k) => createPublicKey({ key: k as never, format: 'jwk' }));
}

function verifyWith(alg: string, input: string, sig: Buffer, key: KeyObject | string): boolean {
  const data = Buffer.from(input, 'utf8');
  const family = alg.slice(0, 2);
  const hash = HASHES[alg.slice(2)];
  if (alg === 'EdDSA') return typeof key !== 'string' && verify(null, data, key, sig);
  if (hash === undefined) return false;
  if (family === 'HS') {
    if (typeof key !== 'string') return false;
    const mac = createHmac(hash, Buffer.from(key, 'utf8')).update(data).digest();
    return mac.length === sig.length && timingSafeEqual(mac, sig);
  }
  if (typeof key === 'string') return false;
  try {
    if (family === 'RS') return verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
    if (family === 'PS') {
      const opts = {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_AUTO,
      };
      return verify(hash, data, opts, sig);
    }
    if (family === 'ES') return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
  return false;
}

/** io.jwt.verify_<alg>: the signature only, no claims. */
function verifySignature(alg: string, token: string, material: string): boolean {
  const d = split(token);
  if (alg.startsWith('HS')) return verifyWith(alg, d.signingInput, d.signature, material);
  return publicKeys(material).some((k) => verifyWith(alg, d.signingInput, d.signature, k));
}

const CONSTRAINT_KEYS = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);
const UNVERIFIED: Json = [false, {}, {}];

function numericClaim(payload: JsonObject, name: string): number | undefined {
  const v = payload[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') fail(`${name} claim must be a number`);
  return v;
}

function decodeVerify(token: string, constraints: JsonObject): Json {
  for (const k of Object.keys(constraints))
    if (!CONSTRAINT_KEYS.has(k)) fail(`unknown token validation constraint: ${k}`);
  const cert = constraints.cert === undefined ? undefined : str(constraints.cert, 'cert');
  const secret = constraints.secret === undefined ? undefined : str(constraints.secret, 'secret');
  if (cert === undefined && secret === undefined) fail('no key supplied: give cert or secret');
  const now = constraints.time === undefined ? Number(nowNs()) : (constraints.time as number);
  if (typeof now !== 'number') fail('time constraint must be a number');
  let d = split(token);
  let header: JsonObject;
  for (;;) {
    header = d.header;
    const alg = header.alg;
    if (typeof alg !== 'string' || 'crit' in header) return UNVERIFIED;
    if (constraints.alg !== undefined && constraints.alg !== alg) return UNVERIFIED;
    const ok = alg.startsWith('HS')
      ? secret !== undefined && verifyWith(alg, d.signingInput, d.signature, secret)
      : cert !== undefined &&
        publicKeys(cert, header.kid).some((k) => verifyWith(alg, d.signingInput, d.signature, k));
    if (!ok) return UNVERIFIED;
    if (header.cty !== 'JWT') break;
    d = split(nestedToken(d.payloadRaw));
  }
  const payload = parseJsonObject(d.payloadRaw, 'payload');
  if (constraints.iss !== undefined && payload.iss !== constraints.iss) return UNVERIFIED;
  if (payload.aud !== undefined) {
    const aud = payload.aud;
    if (constraints.aud === undefined) return UNVERIFIED;
    const match = Array.isArray(aud) ? aud.includes(constraints.aud) : aud === constraints.aud;
    if (!match) return UNVERIFIED;
  } else if (constraints.aud !== undefined) {
    return UNVERIFIED;
  }
  // Scale claims by text, not by float multiplication, so `exp` equal to `time` compares equal.
  const exp = numericClaim(payload, 'exp');
  if (exp !== undefined && now >= Number(`${exp}e9`)) return UNVERIFIED;
  const nbf = numericClaim(payload, 'nbf');
  if (nbf !== undefined && now < Number(`${nbf}e9`)) return UNVERIFIED;
  return [true, header, payload];
}

function signToken(headerText: string, payloadText: string, header: JsonObject, jwk: JsonObject): string {
  const alg = header.alg;
  if (typeof alg !== 'string') fail('header has no alg');
  const input = `${Buffer.from(headerText, 'utf8').toString('base64url')}.${Buffer.from(payloadText, 'utf8').toString('base64url')}`;
  const data = Buffer.from(input, 'utf8');
  const hash = HASHES[alg.slice(2)];
  const family = alg.slice(0, 2);
  let sig: Buffer;
  if (family === 'HS' && hash) {
    if (typeof jwk.k !== 'string') fail('HMAC key needs "k"');
    sig = createHmac(hash, Buffer.from(jwk.k, 'base64url')).update(data).digest();
  } else {
    const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    if (alg === 'EdDSA') sig = sign(null, data, key);
    else if (!hash) fail(`unsupported alg ${alg}`);
    else if (family === 'RS') sig = sign(hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
    else if (family === 'PS') {
      sig = sign(hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    } else if (family === 'ES') sig = sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
    else fail(`unsupported alg ${alg}`);
  }
  return `${input}.${sig.toString('base64url')}`;
}

function encodeSignRaw(headerText: string, payloadText: string, keyText: string): string {
  const header = parseJsonObject(Buffer.from(headerText, 'utf8'), 'header');
  // The payload must be JSON for JWTs (a nested token's payload is a JSON string); not for others.
  if (header.typ === undefined || header.typ === 'JWT') JSON.parse(payloadText);
  return signToken(headerText, payloadText, header, parseJsonObject(Buffer.from(keyText, 'utf8'), 'key'));
}

const verifier = (alg: string) => (token: unknown, material: unknown) =>
  verifySignature(alg, str(token), str(material));

export const jwtBuiltins = {
  'io.jwt.decode': (token: unknown) => decode(str(token)),
  'io.jwt.decode_verify': (token: unknown, constraints: unknown) =>
    decodeVerify(str(token), obj(constraints)),
  'io.jwt.encode_sign': (header: unknown, payload: unknown, key: unknown) =>
    signToken(goJson(obj(header)), goJson(obj(payload)), obj(header), obj(key)),
  'io.jwt.encode_sign_raw': (header: unknown, payload: unknown, key: unknown) =>
    encodeSignRaw(str(header), str(payload), str(key)),
  ...Object.fromEntries(
    ['HS', 'RS', 'PS', 'ES'].flatMap((f) =>
      ['256', '384', '512'].map((b) => [`io.jwt.verify_${f.toLowerCase()}${b}`, verifier(`${f}${b}`)]),
    ),
  ),
  'io.jwt.verify_eddsa': verifier('EdDSA'),
};
