// The one wrapper around @peculiar/x509 and WebCrypto: ECDSA P-256 keys, the self-signed mesh CA
// certificate and leaf certificates, PEM in and out. Nothing else in waypoint/ touches the library.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type LibKey = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0];

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Certificates are backdated a little so a client whose clock runs behind still accepts them. */
const BACKDATE_MS = 5 * 60_000;

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface Certificate {
  pem: string;
  notBefore: Date;
  notAfter: Date;
  serial: string;
  subject: string;
}

export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

function fromPem(pem: string, label: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (!m) throw new Error(`no ${label} block`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

export async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** Imports a PKCS#8 P-256 key and derives its public half from the certificate it belongs to. */
export async function importKeyPair(keyPem: string, certPem: string): Promise<KeyPair> {
  const privateKey = await webcrypto.subtle.importKey('pkcs8', fromPem(keyPem, 'PRIVATE KEY'), ALG, true, [
    'sign',
  ]);
  const cert = new x509.X509Certificate(certPem);
  const publicKey = (await cert.publicKey.export(ALG, ['verify'])) as unknown as CryptoKey;
  return { privateKey, publicKey };
}

/** Certificate facts from PEM; throws on anything that is not one X.509 certificate. */
export function readCertificate(pem: string): Certificate {
  const c = new x509.X509Certificate(pem);
  return {
    pem: `${c.toString('pem').trimEnd()}\n`,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    serial: c.serialNumber,
    subject: c.subject,
  };
}

/** Whether `keys` is the key pair of `certPem` (a signature made with the key verifies with the cert). */
export async function keyMatches(keys: KeyPair, certPem: string): Promise<boolean> {
  const data = randomBytes(32);
  const sig = await webcrypto.subtle.sign(ALG, keys.privateKey, data);
  const pub = (await new x509.X509Certificate(certPem).publicKey.export(ALG, [
    'verify',
  ])) as unknown as CryptoKey;
  return webcrypto.subtle.verify(ALG, pub, sig, data);
}

/** A positive serial with the top bit clear (RFC 5280: at most 20 octets, non-negative). */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export async function createCaCertificate(
  keys: KeyPair,
  commonName: string,
  validityMs: number,
): Promise<Certificate> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}, O=SemaMesh`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: ALG,
    keys: keys as unknown as { privateKey: LibKey; publicKey: LibKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as LibKey),
    ],
  });
  return readCertificate(cert.toString('pem'));
}

/** A server certificate for one DNS name or IP address, signed by the CA. */
export async function createLeafCertificate(
  ca: { keys: KeyPair; pem: string },
  leafPublicKey: CryptoKey,
  san: { type: 'dns' | 'ip'; value: string },
  validityMs: number,
  caNotAfter: Date,
): Promise<Certificate> {
  const now = Date.now();
  const issuer = new x509.X509Certificate(ca.pem);
  // A leaf never outlives its issuer: clients would reject the chain at the CA's expiry anyway.
  const notAfter = new Date(Math.min(now + validityMs, caNotAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${san.value}`,
    issuer: issuer.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    signingAlgorithm: ALG,
    publicKey: leafPublicKey as unknown as LibKey,
    signingKey: ca.keys.privateKey as unknown as LibKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: san.type, value: san.value }]),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
      await x509.SubjectKeyIdentifierExtension.create(leafPublicKey as unknown as LibKey),
    ],
  });
  return readCertificate(cert.toString('pem'));
}
