// Signs and verifies bundles in OPA's `.signatures.json` format: one compact JWS (HS256 with a
// shared secret, or RS256 with a key pair) whose `files` claim lists every file's digest, so a
// waypoint can refuse a tampered bundle, an unsigned one, or one signed with another key.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as rsaSign,
  verify as rsaVerify,
  timingSafeEqual,
} from 'node:crypto';
import { type Bundle, readBundle, writeBundle } from '../../engine/index.js';
import { type ControllerError, sigError } from '../errors.js';
import {
  type BundleFile,
  type BundleFileLimits,
  packBundleFiles,
  readBundleFiles,
  SIGNATURES_NAME,
} from './bundle-files.js';
import { fileDigest, isHashAlgorithm } from './file-hash.js';

interface KeyCommon {
  /** Names the key (`kid` header and the legacy `keyid` claim); lets verifiers pick among keys. */
  keyId?: string;
  /** OPA's `scope` claim; signer and verifier must agree (both empty by default). */
  scope?: string;
}

export type SigningKey =
  | (KeyCommon & { algorithm: 'HS256'; secret: string | Uint8Array })
  | (KeyCommon & { algorithm: 'RS256'; privateKey: string | KeyObject });

export type VerificationKey =
  | (KeyCommon & { algorithm: 'HS256'; secret: string | Uint8Array })
  | (KeyCommon & { algorithm: 'RS256'; publicKey: string | KeyObject });

export interface SignOptions {
  /** `iat` claim in seconds; default now. */
  issuedAt?: number;
  /** `iss` claim. */
  issuer?: string;
  /** Further claims (`opa build --claims-file`); `files` is always computed, never taken from here. */
  claims?: Record<string, unknown>;
}

export interface FileClaim {
  name: string;
  hash: string;
  algorithm: string;
}

export interface SignatureClaims {
  files: FileClaim[];
  iat?: number;
  iss?: string;
  keyid?: string;
  scope?: string;
}

export interface VerifyOptions {
  limits?: BundleFileLimits;
  /** Several keys (rotation): the token's `kid` picks one; a lone key is used whatever the kid. */
  keys?: VerificationKey[];
}

export interface VerifiedBundle {
  bundle: Bundle;
  /** The verified claims; undefined when no key was configured and the bundle was unsigned. */
  claims?: SignatureClaims;
}

type BundleContents = Parameters<typeof writeBundle>[0];

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function keyError(message: string, cause?: unknown): ControllerError {
  return sigError('SM_ERR_BUNDLE_SIG_KEY', message, cause);
}

function secretBytes(secret: string | Uint8Array): Buffer {
  const b = Buffer.from(secret);
  if (b.length === 0) throw keyError('the HS256 secret is empty');
  return b;
}

function rsaKey(key: string | KeyObject, kind: 'private' | 'public'): KeyObject {
  let k: KeyObject;
  try {
    k = typeof key !== 'string' ? key : kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
  } catch (err) {
    throw keyError(`cannot parse the RS256 ${kind} key (expected PEM)`, err);
  }
  if (k.asymmetricKeyType !== 'rsa') throw keyError(`the RS256 ${kind} key is not an RSA key`);
  if (kind === 'private' && k.type !== 'private') throw keyError('signing needs the RSA private key');
  return kind === 'public' && k.type === 'private' ? createPublicKey(k) : k;
}

function signingInput(header: object, claims: object): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
}

const numberClaim = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** Builds the compact JWS for the given files. Claim keys are in Go's marshal order (sorted). */
export function signFiles(files: BundleFile[], key: SigningKey, options: SignOptions = {}): string {
  const claims: SignatureClaims = {
    ...options.claims,
    files: files
      .filter((f) => f.name !== SIGNATURES_NAME)
      .map((f) => ({ name: f.name, hash: fileDigest(f.name, f.body), algorithm: 'SHA-256' })),
    iat: options.issuedAt ?? numberClaim(options.claims?.iat) ?? Math.floor(Date.now() / 1000),
  };
  if (options.issuer) claims.iss = options.issuer;
  if (key.keyId) claims.keyid = key.keyId;
  if (key.scope) claims.scope = key.scope;
  const header = key.keyId ? { alg: key.algorithm, kid: key.keyId } : { alg: key.algorithm };
  const input = signingInput(header, claims);
  const signature =
    key.algorithm === 'HS256'
      ? createHmac('sha256', secretBytes(key.secret)).update(input).digest()
      : rsaSign('sha256', Buffer.from(input), rsaKey(key.privateKey, 'private'));
  return `${input}.${b64url(signature)}`;
}

/**
 * Returns the bundle with a fresh `/.signatures.json` (an old one is replaced). Accepts the bytes
 * of a bundle (e.g. from `buildBundle`) or the contents to write with the engine's `writeBundle`.
 */
export function signBundle(
  bundle: Uint8Array | BundleContents,
  key: SigningKey,
  options: SignOptions = {},
): Uint8Array {
  const bytes = bundle instanceof Uint8Array ? bundle : writeBundle(bundle);
  const files = readBundleFiles(bytes).filter((f) => f.name !== SIGNATURES_NAME);
  const token = signFiles(files, key, options);
  // OPA writes this file with MarshalIndent(" "); the exact whitespace does not matter to readers.
  const body = Buffer.from(JSON.stringify({ signatures: [token] }, null, 1));
  return packBundleFiles([...files, { name: SIGNATURES_NAME, body }]);
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch (err) {
    throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', `the JWT ${what} is not base64url JSON`, err);
  }
  throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', `the JWT ${what} is not a JSON object`);
}

function pickKey(keys: VerificationKey[], kid: string | undefined): VerificationKey {
  const named = kid ? keys.find((k) => k.keyId === kid) : undefined;
  if (named) return named;
  if (keys.length === 1) return keys[0];
  throw keyError(
    kid
      ? `no configured key has id ${JSON.stringify(kid)}`
      : 'the token names no key and several are configured',
  );
}

function checkSignature(input: string, sig: Buffer, key: VerificationKey): boolean {
  if (key.algorithm === 'HS256') {
    const want = createHmac('sha256', secretBytes(key.secret)).update(input).digest();
    return want.length === sig.length && timingSafeEqual(want, sig);
  }
  return rsaVerify('sha256', Buffer.from(input), rsaKey(key.publicKey, 'public'), sig);
}

function parseClaims(payload: Record<string, unknown>): SignatureClaims {
  const files = payload.files;
  const ok =
    Array.isArray(files) &&
    files.every(
      (f) =>
        f &&
        typeof f === 'object' &&
        typeof f.name === 'string' &&
        typeof f.hash === 'string' &&
        typeof f.algorithm === 'string',
    );
  if (!ok)
    throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', 'the "files" claim must list {name, hash, algorithm}');
  const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : undefined);
  return {
    files: files as FileClaim[],
    iat: typeof payload.iat === 'number' ? payload.iat : undefined,
    iss: str('iss'),
    keyid: str('keyid'),
    scope: str('scope'),
  };
}

/** Verifies one compact JWS against the configured keys and returns its claims. */
export function verifyToken(token: string, keys: VerificationKey[]): SignatureClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', 'the signature is not a compact JWS');
  const header = decodeJson(parts[0], 'header');
  const payload = decodeJson(parts[1], 'payload');
  const kid =
    typeof header.kid === 'string'
      ? header.kid
      : typeof payload.keyid === 'string'
        ? payload.keyid
        : undefined;
  const key = pickKey(keys, kid);
  // The key decides the algorithm; trusting the header's `alg` invites algorithm confusion.
  if (header.alg !== key.algorithm)
    throw sigError(
      'SM_ERR_BUNDLE_SIG_INVALID',
      `the token is signed with ${JSON.stringify(header.alg)} but the key expects ${key.algorithm}`,
    );
  if (!checkSignature(`${parts[0]}.${parts[1]}`, Buffer.from(parts[2], 'base64url'), key))
    throw sigError('SM_ERR_BUNDLE_SIG_INVALID', 'the signature does not verify with the configured key');
  // Claims are only interpreted once the signature proved who wrote them.
  const claims = parseClaims(payload);
  if ((claims.scope ?? '') !== (key.scope ?? ''))
    throw sigError(
      'SM_ERR_BUNDLE_SIG_SCOPE',
      `scope mismatch: the token has ${JSON.stringify(claims.scope ?? '')}, the key expects ${JSON.stringify(key.scope ?? '')}`,
    );
  return claims;
}

function signaturesToken(file: BundleFile): string {
  let doc: unknown;
  try {
    doc = JSON.parse(file.body.toString('utf8'));
  } catch (err) {
    throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', '.signatures.json is not JSON', err);
  }
  const sigs = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || sigs.length !== 1 || typeof sigs[0] !== 'string')
    throw sigError(
      'SM_ERR_BUNDLE_SIG_MALFORMED',
      '.signatures.json must hold exactly one JWT in "signatures"',
    );
  return sigs[0];
}

/** Checks every file against the claims: each must be listed with a matching digest, and vice versa. */
function checkFiles(files: BundleFile[], claims: SignatureClaims): void {
  const signed = new Map(claims.files.map((f) => [f.name.replace(/^\/+/, ''), f]));
  for (const f of files) {
    if (f.name === SIGNATURES_NAME) continue;
    const claim = signed.get(f.name);
    if (!claim)
      throw sigError('SM_ERR_BUNDLE_SIG_UNSIGNED_FILE', `${f.name} is not included in the signature`);
    if (!isHashAlgorithm(claim.algorithm))
      throw sigError(
        'SM_ERR_BUNDLE_SIG_MALFORMED',
        `unsupported hashing algorithm ${claim.algorithm} for ${f.name}`,
      );
    let got: string;
    try {
      got = fileDigest(f.name, f.body, claim.algorithm);
    } catch (err) {
      throw sigError('SM_ERR_BUNDLE_SIG_DIGEST', `${f.name} cannot be parsed to compute its digest`, err);
    }
    if (got !== claim.hash.toLowerCase())
      throw sigError(
        'SM_ERR_BUNDLE_SIG_DIGEST',
        `${f.name}: digest mismatch (want ${claim.hash}, got ${got})`,
      );
    signed.delete(f.name);
  }
  if (signed.size > 0)
    throw sigError(
      'SM_ERR_BUNDLE_SIG_MISSING_FILE',
      `file(s) ${[...signed.keys()].join(', ')} are signed but missing from the bundle`,
    );
}

/**
 * Verifies and reads a bundle. With a key: the signature must exist, verify, and cover exactly the
 * bundle's files. Without one: a signed bundle is refused (as OPA does: "verification key not
 * provided"), an unsigned one is read as is.
 */
export function verifyBundleDetailed(
  bytes: Uint8Array,
  key: VerificationKey | undefined,
  options: VerifyOptions = {},
): VerifiedBundle {
  const keys = options.keys ?? (key ? [key] : []);
  const files = readBundleFiles(bytes, options.limits);
  const sigFile = files.find((f) => f.name === SIGNATURES_NAME);
  let claims: SignatureClaims | undefined;
  if (keys.length === 0) {
    if (sigFile)
      throw sigError(
        'SM_ERR_BUNDLE_SIG_UNEXPECTED',
        'the bundle is signed but no verification key is configured',
      );
  } else {
    if (!sigFile) throw sigError('SM_ERR_BUNDLE_SIG_MISSING', 'the bundle has no .signatures.json');
    claims = verifyToken(signaturesToken(sigFile), keys);
    checkFiles(files, claims);
  }
  return { bundle: readBundle(bytes, options.limits), claims };
}

/** Verifies (see verifyBundleDetailed) and returns the engine's Bundle, ready for loadPolicy. */
export function verifyBundle(
  bytes: Uint8Array,
  key: VerificationKey | undefined,
  options?: VerifyOptions,
): Bundle {
  return verifyBundleDetailed(bytes, key, options).bundle;
}
