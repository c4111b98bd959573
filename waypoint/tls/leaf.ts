// Mints server certificates from the mesh CA on demand — one per hostname (the SNI) or IP address,
// short-lived, kept in an LRU cache — and hands them to TLS as secure contexts (SNICallback).
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { MeshCa } from './ca.js';
import { tlsError } from './errors.js';
import { createLeafCertificate, exportPrivateKey, generateKeyPair, type KeyPair } from './x509.js';

export interface LeafMinterOptions {
  /** Leaf lifetime (default 24 h). */
  validityMs?: number;
  /** Re-mint a cached leaf this long before it expires (default 1 h). */
  renewBeforeMs?: number;
  /** Hostnames kept (default 1000); the least recently used one is dropped beyond that. */
  maxEntries?: number;
}

interface Entry {
  context: SecureContext;
  certPem: string;
  notAfter: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/;

/** A name a certificate may be minted for; anything else (a client's garbage SNI) is refused. */
export function normalizeServerName(name: string): { type: 'dns' | 'ip'; value: string } {
  const ip = isIP(name);
  if (ip) return { type: 'ip', value: name };
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(lower))
    throw tlsError('SM_ERR_TLS_HOSTNAME', `not a hostname: ${JSON.stringify(name.slice(0, 80))}`);
  return { type: 'dns', value: lower };
}

export class LeafMinter {
  readonly #ca: MeshCa;
  readonly #validityMs: number;
  readonly #renewBeforeMs: number;
  readonly #max: number;
  /** Insertion order is recency order: a hit moves the entry to the end. */
  readonly #cache = new Map<string, Entry>();
  /** Concurrent handshakes for a new name share one mint. */
  readonly #pending = new Map<string, Promise<Entry>>();
  // One key for every leaf of this process: minting is then a signature, not a key generation, and
  // the key never leaves memory. Each CA change (new minter) gets a new key.
  #leafKey: Promise<{ keys: KeyPair; pem: string }> | undefined;
  minted = 0;

  constructor(ca: MeshCa, options: LeafMinterOptions = {}) {
    this.#ca = ca;
    this.#validityMs = options.validityMs ?? 24 * 3_600_000;
    this.#renewBeforeMs = Math.min(options.renewBeforeMs ?? 3_600_000, this.#validityMs / 2);
    this.#max = Math.max(1, options.maxEntries ?? 1000);
  }

  get size(): number {
    return this.#cache.size;
  }

  /** The secure context for a server name (SNI) or IP address, minting its certificate if needed. */
  async context(serverName: string): Promise<SecureContext> {
    return (await this.#entry(serverName)).context;
  }

  /** The PEM certificate served for a name (for tests and `semamesh doctor`). */
  async certificate(serverName: string): Promise<string> {
    return (await this.#entry(serverName)).certPem;
  }

  /** A Node `SNICallback`: mints for the name the client asked for. */
  sniCallback(): (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void {
    return (servername, cb) => {
      this.context(servername).then(
        (ctx) => cb(null, ctx),
        (err: Error) => cb(err),
      );
    };
  }

  async #entry(serverName: string): Promise<Entry> {
    const san = normalizeServerName(serverName);
    const key = san.value;
    const hit = this.#cache.get(key);
    if (hit && hit.notAfter - this.#renewBeforeMs > Date.now()) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#mint(san).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const entry = await pending;
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    while (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value as string);
    return entry;
  }

  async #mint(san: { type: 'dns' | 'ip'; value: string }): Promise<Entry> {
    try {
      this.#leafKey ??= generateKeyPair().then(async (keys) => ({
        keys,
        pem: await exportPrivateKey(keys.privateKey),
      }));
      const leafKey = await this.#leafKey;
      const ca = this.#ca.certificate;
      const cert = await createLeafCertificate(
        { keys: this.#ca.keys, pem: ca.pem },
        leafKey.keys.publicKey,
        san,
        this.#validityMs,
        ca.notAfter,
      );
      this.minted++;
      // Sending the issuer along costs a few hundred bytes and spares clients a chain lookup.
      const context = createSecureContext({ key: leafKey.pem, cert: `${cert.pem}${ca.pem}` });
      return { context, certPem: cert.pem, notAfter: cert.notAfter.getTime() };
    } catch (err) {
      throw tlsError('SM_ERR_TLS_MINT', `cannot mint a certificate for ${san.value}`, err);
    }
  }
}
