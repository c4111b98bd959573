// The mesh CA store and leaf minting, checked with real TLS handshakes against the minted leaves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect, createServer, type PeerCertificate } from 'node:tls';
import { MeshCa } from './ca.js';
import { LeafMinter, normalizeServerName } from './leaf.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'semamesh-ca-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Serves TLS with the minter's SNICallback and connects as a client trusting `ca`. */
async function handshake(
  minter: LeafMinter,
  servername: string | undefined,
  ca: string[],
): Promise<{ ok: true; cert: PeerCertificate } | { ok: false; error: string }> {
  const server = createServer({ SNICallback: minter.sniCallback() }, (s) => s.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, servername, ca }, () => {
        resolve({ ok: true, cert: s.getPeerCertificate() });
        s.destroy();
      });
      s.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
    });
  } finally {
    server.close();
  }
}

describe('MeshCa', () => {
  test('is generated once, with a 0600 key, and loaded unchanged afterwards', async () => {
    const dir = tmp();
    const [a, b] = await Promise.all([MeshCa.loadOrCreate(dir), MeshCa.loadOrCreate(dir)]);
    assert.equal(a.certificate.serial, b.certificate.serial);
    assert.equal(statSync(a.keyPath).mode & 0o777, 0o600);
    const again = await MeshCa.loadOrCreate(dir);
    assert.equal(again.certificate.pem, a.certificate.pem);
  });

  test('a key that does not belong to the certificate is refused with a code', async () => {
    const one = tmp();
    const two = tmp();
    await MeshCa.loadOrCreate(one);
    await MeshCa.loadOrCreate(two);
    writeFileSync(join(one, 'ca.key'), readFileSync(join(two, 'ca.key')));
    await assert.rejects(MeshCa.load(one), { code: 'SM_ERR_TLS_CA_INVALID' });
    writeFileSync(join(two, 'ca.crt'), 'not a certificate');
    await assert.rejects(MeshCa.load(two), { code: 'SM_ERR_TLS_CA_INVALID' });
  });

  test('rotation signs with the new CA and keeps the old one trusted for the grace period', async () => {
    const dir = tmp();
    const old = await MeshCa.loadOrCreate(dir);
    const oldLeaf = new LeafMinter(old);
    const rotated = await MeshCa.rotate(dir, { graceMs: 60_000 });
    assert.notEqual(rotated.certificate.serial, old.certificate.serial);
    assert.deepEqual(rotated.trustedPems(), [rotated.certificate.pem, old.certificate.pem]);
    assert.deepEqual(rotated.trustedPems(Date.now() + 120_000), [rotated.certificate.pem]);
    const bundle = readFileSync(await rotated.writeBundle(undefined, ''), 'utf8');
    assert.ok(bundle.includes(old.certificate.pem) && bundle.includes(rotated.certificate.pem));
    // A leaf the old CA signed before the rotation still verifies against the new bundle.
    const before = await handshake(oldLeaf, 'api.openai.com', rotated.trustedPems());
    assert.equal(before.ok, true);
    const after = await handshake(new LeafMinter(rotated), 'api.openai.com', [rotated.certificate.pem]);
    assert.equal(after.ok, true);
    const oldOnly = await handshake(new LeafMinter(rotated), 'api.openai.com', [old.certificate.pem]);
    assert.equal(oldOnly.ok, false);
  });

  test('the bundle holds the system trust store followed by the mesh CA', async () => {
    const ca = await MeshCa.loadOrCreate(tmp());
    const text = readFileSync(await ca.writeBundle(undefined, '-----SYSTEM-----\n'), 'utf8');
    assert.ok(text.startsWith('-----SYSTEM-----\n'));
    assert.ok(text.endsWith(ca.certificate.pem));
  });
});

describe('LeafMinter', () => {
  test('mints a leaf for the SNI that verifies against the CA, and caches it', async () => {
    const ca = await MeshCa.loadOrCreate(tmp());
    const minter = new LeafMinter(ca);
    const r = await handshake(minter, 'api.openai.com', [ca.certificate.pem]);
    assert.equal(r.ok, true);
    if (r.ok) {
      assert.equal(r.cert.subjectaltname, 'DNS:api.openai.com');
      const hours = (Date.parse(r.cert.valid_to) - Date.now()) / 3_600_000;
      assert.ok(hours > 23 && hours <= 24, `leaf valid ${hours} h`);
    }
    await handshake(minter, 'API.OpenAI.com', [ca.certificate.pem]);
    assert.equal(minter.minted, 1);
  });

  test('fails closed for a client that does not trust the mesh CA', async () => {
    const minter = new LeafMinter(await MeshCa.loadOrCreate(tmp()));
    const r = await handshake(minter, 'api.openai.com', []);
    assert.deepEqual(r, { ok: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  test('keeps at most maxEntries hostnames, dropping the least recently used', async () => {
    const minter = new LeafMinter(await MeshCa.loadOrCreate(tmp()), { maxEntries: 2 });
    await minter.context('a.example');
    await minter.context('b.example');
    await minter.context('a.example');
    await minter.context('c.example');
    assert.equal(minter.size, 2);
    assert.equal(minter.minted, 3);
    await minter.context('a.example');
    assert.equal(minter.minted, 3);
    await minter.context('b.example');
    assert.equal(minter.minted, 4);
  });

  test('IP addresses get an IP SAN; garbage server names are refused with a code', async () => {
    assert.deepEqual(normalizeServerName('127.0.0.2'), { type: 'ip', value: '127.0.0.2' });
    assert.deepEqual(normalizeServerName('Api.Example.COM.'), { type: 'dns', value: 'api.example.com' });
    const minter = new LeafMinter(await MeshCa.loadOrCreate(tmp()));
    await assert.rejects(minter.context('bad name/../x'), { code: 'SM_ERR_TLS_HOSTNAME' });
    assert.match(await minter.certificate('127.0.0.2'), /BEGIN CERTIFICATE/);
  });
});
