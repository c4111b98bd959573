// The mesh CA: generated once into a directory (certificate, 0600 key), loaded by every waypoint and
// `semamesh exec` after that, rotated with a grace period during which the retired CA stays trusted,
// and written into the CA bundle governed processes are pointed at.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { tlsError } from './errors.js';
import {
  type Certificate,
  createCaCertificate,
  exportPrivateKey,
  generateKeyPair,
  importKeyPair,
  type KeyPair,
  keyMatches,
  readCertificate,
} from './x509.js';

const DAY = 86_400_000;

export interface MeshCaOptions {
  /** CA lifetime when one is generated (default 3650 days). */
  validityDays?: number;
  commonName?: string;
}

export interface RotateOptions extends MeshCaOptions {
  /** How long the retired CA stays in the trust bundle (default 2 days: > the 24 h leaf lifetime). */
  graceMs?: number;
}

export interface RetiredCa {
  serial: string;
  pem: string;
  retiredAt: string;
  trustedUntil: string;
}

/** `$SEMAMESH_CA_DIR`, else /var/lib/semamesh/ca (root) or ~/.local/state/semamesh/ca. */
export function defaultCaDir(): string {
  if (process.env.SEMAMESH_CA_DIR) return process.env.SEMAMESH_CA_DIR;
  if (process.getuid?.() === 0) return '/var/lib/semamesh/ca';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'semamesh', 'ca');
}

/** The system's trust store as PEM: Debian's bundle when present, else Node's built-in roots. */
export function systemCaPem(): string {
  for (const file of ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']) {
    if (existsSync(file)) {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        // Unreadable: fall through to Node's list.
      }
    }
  }
  return `${rootCertificates.join('\n')}\n`;
}

async function atomicWrite(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** A directory lock (open O_EXCL), so two `semamesh exec` starting together generate one CA. */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, '.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await (await open(path, 'wx')).close();
      return () => unlink(path).catch(() => {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw tlsError('SM_ERR_TLS_CA_STORE', `cannot lock ${dir}`, err);
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A generator that crashed leaves its lock; generation takes milliseconds, so 30 s is stale.
      if (age > 30_000) await unlink(path).catch(() => {});
      else if (Date.now() > deadline)
        throw tlsError('SM_ERR_TLS_CA_STORE', `${path} is held by another process`);
      else await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export class MeshCa {
  private constructor(
    readonly dir: string,
    readonly certificate: Certificate,
    readonly keys: KeyPair,
    readonly retired: readonly RetiredCa[],
  ) {}

  get certPath(): string {
    return join(this.dir, 'ca.crt');
  }

  get keyPath(): string {
    return join(this.dir, 'ca.key');
  }

  /** Loads the CA stored in `dir`; undefined when there is none yet. */
  static async load(dir: string): Promise<MeshCa | undefined> {
    const certPath = join(dir, 'ca.crt');
    const keyPath = join(dir, 'ca.key');
    if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
    let certPem: string;
    let keyPem: string;
    try {
      [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    } catch (err) {
      throw tlsError('SM_ERR_TLS_CA_STORE', `cannot read the mesh CA in ${dir}`, err);
    }
    let certificate: Certificate;
    let keys: KeyPair;
    try {
      certificate = readCertificate(certPem);
      keys = await importKeyPair(keyPem, certPem);
    } catch (err) {
      throw tlsError('SM_ERR_TLS_CA_INVALID', `${dir} does not hold a P-256 mesh CA (ca.crt + ca.key)`, err);
    }
    if (!(await keyMatches(keys, certPem)))
      throw tlsError('SM_ERR_TLS_CA_INVALID', `${keyPath} is not the key of ${certPath}`);
    const mode = (await stat(keyPath)).mode & 0o777;
    if (mode & 0o077) await chmod(keyPath, 0o600).catch(() => {});
    return new MeshCa(dir, certificate, keys, await readRetired(dir));
  }

  /** Loads the CA in `dir`, generating it the first time (once, even with concurrent callers). */
  static async loadOrCreate(dir: string, options: MeshCaOptions = {}): Promise<MeshCa> {
    const existing = await MeshCa.load(dir);
    if (existing) return existing;
    await mkdir(dir, { recursive: true }).catch((err) => {
      throw tlsError('SM_ERR_TLS_CA_STORE', `cannot create ${dir}`, err);
    });
    const release = await lockDir(dir);
    try {
      const raced = await MeshCa.load(dir);
      if (raced) return raced;
      await generateInto(dir, options);
    } finally {
      await release();
    }
    return (await MeshCa.load(dir)) as MeshCa;
  }

  /**
   * Replaces the CA with a new one. New leaves are signed by the new CA at once; the retired CA
   * stays in trustedPems() (and so in every bundle written) for `graceMs`, so leaves it already
   * signed — cached by running waypoints for up to their 24 h lifetime — keep verifying for agents
   * given a bundle after the rotation. Agents holding a bundle written before it trust only the
   * old CA: restart them (or rewrite their bundle) within the grace period.
   */
  static async rotate(dir: string, options: RotateOptions = {}): Promise<MeshCa> {
    const graceMs = options.graceMs ?? 2 * DAY;
    await mkdir(dir, { recursive: true });
    const release = await lockDir(dir);
    try {
      const current = await MeshCa.load(dir);
      const now = Date.now();
      const retired = (await readRetired(dir)).filter((r) => Date.parse(r.trustedUntil) > now);
      if (current) {
        retired.push({
          serial: current.certificate.serial,
          pem: current.certificate.pem,
          retiredAt: new Date(now).toISOString(),
          // Never trusted past its own expiry.
          trustedUntil: new Date(
            Math.min(now + graceMs, current.certificate.notAfter.getTime()),
          ).toISOString(),
        });
      }
      await atomicWrite(join(dir, 'retired.json'), `${JSON.stringify(retired, null, 2)}\n`, 0o644);
      await generateInto(dir, options);
    } finally {
      await release();
    }
    return (await MeshCa.load(dir)) as MeshCa;
  }

  /** The CA certificates clients must trust now: the current one plus retired ones still in grace. */
  trustedPems(now = Date.now()): string[] {
    const graced = this.retired.filter((r) => Date.parse(r.trustedUntil) > now).map((r) => r.pem);
    return [this.certificate.pem, ...graced];
  }

  /**
   * Writes the bundle governed processes get as SSL_CERT_FILE / NODE_EXTRA_CA_CERTS /
   * REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE: the system trust store plus the mesh CAs, so replacing a
   * client's trust store does not break its other HTTPS connections. Returns the path.
   */
  async writeBundle(path = join(this.dir, 'bundle.pem'), systemPem = systemCaPem()): Promise<string> {
    const mesh = this.trustedPems()
      .map((p, i) => `# SemaMesh mesh CA${i === 0 ? '' : ' (retired, in grace)'}\n${p}`)
      .join('');
    try {
      await atomicWrite(path, `${systemPem.trimEnd()}\n${mesh}`, 0o644);
    } catch (err) {
      throw tlsError('SM_ERR_TLS_CA_STORE', `cannot write the CA bundle ${path}`, err);
    }
    return path;
  }
}

async function generateInto(dir: string, options: MeshCaOptions): Promise<void> {
  try {
    const keys = await generateKeyPair();
    const cert = await createCaCertificate(
      keys,
      options.commonName ?? 'SemaMesh mesh CA',
      (options.validityDays ?? 3650) * DAY,
    );
    // Key first: a reader that sees the new certificate must find its key next to it.
    await atomicWrite(join(dir, 'ca.key'), await exportPrivateKey(keys.privateKey), 0o600);
    await atomicWrite(join(dir, 'ca.crt'), cert.pem, 0o644);
  } catch (err) {
    throw tlsError('SM_ERR_TLS_CA_STORE', `cannot generate the mesh CA in ${dir}`, err);
  }
}

async function readRetired(dir: string): Promise<RetiredCa[]> {
  const file = join(dir, 'retired.json');
  if (!existsSync(file)) return [];
  try {
    const list = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!Array.isArray(list)) throw new Error('not a list');
    return list.filter(
      (r): r is RetiredCa =>
        typeof r?.pem === 'string' && typeof r?.trustedUntil === 'string' && typeof r?.serial === 'string',
    );
  } catch (err) {
    throw tlsError('SM_ERR_TLS_CA_INVALID', `${file} is not a list of retired CAs`, err);
  }
}
