// Hash, HMAC and X.509 builtins on node:crypto. Certificates are returned in the shape OPA gives
// Go's x509.Certificate (the fields policies read: Subject, Issuer, DNSNames, URIStrings, NotAfter…),
// not every field of it; empty lists are null as Go marshals nil slices.
import {
  createHash,
  createHmac,
  createPrivateKey,
  type KeyObject,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { fail, type Json, obj, str } from './args.js';
import { parseCertificateRequest } from './x509-der.js';

const hash = (alg: string) => (s: unknown) => createHash(alg).update(str(s), 'utf8').digest('hex');
const hmac = (alg: string) => (msg: unknown, key: unknown) =>
  createHmac(alg, Buffer.from(str(key), 'utf8'))
    .update(str(msg), 'utf8')
    .digest('hex');

/** Concatenated DER SEQUENCEs (Go's ParseCertificates accepts several certificates back to back). */
function splitDer(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    if (buf[i] !== 0x30 || i + 2 > buf.length) fail('invalid DER data');
    let len = buf[i + 1];
    let header = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || i + 2 + n > buf.length) fail('invalid DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[i + 2 + k];
      header += n;
    }
    if (i + header + len > buf.length) fail('truncated DER data');
    out.push(buf.subarray(i, i + header + len));
    i += header + len;
  }
  return out;
}

/** PEM text, base64 of PEM, or base64 of DER → the PEM blocks or DER buffers inside. */
function pemOrDer(input: string, label: string): Buffer[] {
  let text = input;
  if (!text.includes('-----BEGIN')) {
    const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    if (decoded.length === 0 || !/^[A-Za-z0-9+/=\s]+$/.test(text)) fail(`invalid ${label} data`);
    const asText = decoded.toString('latin1');
    if (!asText.includes('-----BEGIN')) return splitDer(decoded);
    text = asText;
  }
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  const blocks = [...text.matchAll(re)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  if (blocks.length === 0) fail(`no ${label} found`);
  return blocks;
}

function parseCerts(input: string): X509Certificate[] {
  try {
    return pemOrDer(input, 'CERTIFICATE').map((der) => new X509Certificate(der));
  } catch (err) {
    return fail(`failed to parse certificates: ${(err as Error).message}`);
  }
}

const NAME_FIELDS: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  L: 'Locality',
  ST: 'Province',
  street: 'StreetAddress',
  postalCode: 'PostalCode',
};

/** Go's pkix.Name from Node's "CN=x\nO=y" form. */
function pkixName(text: string): Record<string, Json> {
  const name: Record<string, Json> = { CommonName: '', SerialNumber: '' };
  for (const field of Object.values(NAME_FIELDS)) name[field] = null;
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') name.CommonName = value;
    else if (key === 'serialNumber') name.SerialNumber = value;
    else if (NAME_FIELDS[key]) {
      const field = NAME_FIELDS[key];
      name[field] = [...((name[field] as string[] | null) ?? []), value];
    }
  }
  return name;
}

function altNames(cert: X509Certificate, prefix: string): string[] | null {
  const list = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((e) => e.startsWith(prefix))
    .map((e) => e.slice(prefix.length).replace(/^"|"$/g, ''));
  return list.length > 0 ? list : null;
}

function certJson(cert: X509Certificate): Record<string, Json> {
  const serialHex = cert.serialNumber;
  const serial = BigInt(`0x${serialHex}`);
  return {
    Raw: cert.raw.toString('base64'),
    Version: 3,
    SerialNumber: serial <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(serial) : serial.toString(),
    Subject: pkixName(cert.subject),
    Issuer: pkixName(cert.issuer),
    NotBefore: new Date(cert.validFrom).toISOString().replace('.000Z', 'Z'),
    NotAfter: new Date(cert.validTo).toISOString().replace('.000Z', 'Z'),
    IsCA: cert.ca,
    DNSNames: altNames(cert, 'DNS:'),
    EmailAddresses: altNames(cert, 'email:'),
    IPAddresses: altNames(cert, 'IP Address:'),
    URIStrings: altNames(cert, 'URI:'),
    PublicKeyAlgorithm: cert.publicKey.asymmetricKeyType ?? null,
  };
}

/**
 * OPA's order: the first certificate is the trusted root, the last the leaf. The chain is checked
 * and returned leaf first: each certificate issued and signed by the next, issuers being CAs, all
 * valid at `now`.
 */
function verifyChain(
  certs: X509Certificate[],
  now = Date.now(),
  dnsName?: string,
): X509Certificate[] | undefined {
  if (certs.length < 2) return undefined;
  const chain = [...certs].reverse();
  if (dnsName !== undefined && chain[0].checkHost(dnsName) === undefined) return undefined;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i];
    if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) return undefined;
    if (i > 0 && !c.ca) return undefined;
    const issuer = chain[i + 1];
    if (issuer && (!c.checkIssued(issuer) || !c.verify(issuer.publicKey))) return undefined;
  }
  return chain;
}

function privateKeys(input: string): KeyObject[] {
  const text = input.includes('-----BEGIN') ? input : Buffer.from(input, 'base64').toString('utf8');
  const blocks = text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g);
  if (!blocks) fail('no private key found');
  return blocks.map((pem) => createPrivateKey(pem));
}

function hmacEqual(a: unknown, b: unknown): boolean {
  const x = Buffer.from(str(a), 'utf8');
  const y = Buffer.from(str(b), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const cryptoBuiltins = {
  'crypto.md5': hash('md5'),
  'crypto.sha1': hash('sha1'),
  'crypto.sha256': hash('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': hmacEqual,
  'crypto.x509.parse_certificates': (s: unknown) => parseCerts(str(s)).map(certJson),
  'crypto.x509.parse_and_verify_certificates': (s: unknown) => {
    const chain = verifyChain(parseCerts(str(s)));
    return chain ? [true, chain.map(certJson)] : [false, []];
  },
  'crypto.x509.parse_and_verify_certificates_with_options': (s: unknown, options: unknown) => {
    const opts = obj(options);
    const certs = parseCerts(str(s));
    const now = opts.CurrentTime === undefined ? Date.now() : Number(opts.CurrentTime) / 1e6;
    const dns = opts.DNSName === undefined ? undefined : str(opts.DNSName, 'DNSName');
    const chain = verifyChain(certs, now, dns);
    return chain ? [true, chain.map(certJson)] : [false, []];
  },
  'crypto.x509.parse_certificate_request': (s: unknown) => {
    const [der] = pemOrDer(str(s), 'CERTIFICATE REQUEST');
    return parseCertificateRequest(der);
  },
  'crypto.x509.parse_keypair': (cert: unknown, key: unknown) => {
    const certs = parseCerts(str(cert));
    const [priv] = privateKeys(str(key));
    if (!certs[0].checkPrivateKey(priv)) fail('private key does not match public key');
    return {
      Certificate: certs.map((c) => c.raw.toString('base64')),
      PrivateKey: priv.export({ format: 'jwk' }),
    };
  },
  'crypto.x509.parse_rsa_private_key': (s: unknown) => {
    const [key] = privateKeys(str(s));
    if (key.asymmetricKeyType !== 'rsa') fail('not an RSA private key');
    return key.export({ format: 'jwk' });
  },
  'crypto.parse_private_keys': (s: unknown) => {
    // OPA: null for an empty string, [] when the text holds no PEM block.
    const text = str(s);
    if (text === '') return null;
    const pem = text.includes('-----BEGIN') ? text : Buffer.from(text, 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN')) return [];
    return privateKeys(text).map((k) => k.export({ format: 'jwk' }));
  },
};
