// The optional sk_msg fast path on the real kernel: with skMsg on, payloads between a redirected
// agent and the waypoint are spliced socket to socket; large uploads and downloads must arrive
// byte-exact, and detach() must remove the sk_msg attachment too. Skips with a printed reason.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadAddon } from './addon.js';
import { Interceptor } from './interceptor.js';
import {
  createSandbox,
  type Forwarder,
  privilegedSkip,
  run,
  type Sandbox,
  startForwarder,
} from './test-env.js';

const skip = privilegedSkip('bpf sk_msg tests');

/** Deterministic pseudo-random bytes, so a corrupted splice cannot go unnoticed. */
function blob(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x12345678;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('sk_msg fast path on the real kernel', { skip }, () => {
  const BLOB = blob(4 * 1024 * 1024 + 17);
  let upstream: Server;
  let sandbox: Sandbox;
  let proxy: Forwarder;
  let ic: Interceptor;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sm-skmsg-'));
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/blob') res.end(BLOB);
        else res.end(sha(Buffer.concat(chunks)));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    sandbox = createSandbox(`semamesh-skmsg-${process.pid}`);
    proxy = await startForwarder((upstream.address() as AddressInfo).port);
    ic = new Interceptor();
    await ic.attach({
      cgroupPath: sandbox.agent,
      waypointCgroupPath: sandbox.waypoint,
      waypoint: { ip: '127.0.0.1', port: proxy.port },
      targets: [{ ip: '127.0.0.2', port: 8443 }],
      hosts: [],
      skMsg: true,
    });
  });

  after(async () => {
    await ic?.detach();
    await proxy?.close();
    sandbox?.cleanup();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a 4 MiB upload arrives byte-exact and is spliced by sk_msg', async () => {
    const file = join(dir, 'up.bin');
    writeFileSync(file, BLOB);
    const r = await run(['curl', '-sS', '--data-binary', `@${file}`, 'http://127.0.0.2:8443/hash'], {
      cgroup: sandbox.agent,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, sha(BLOB));
    assert.deepEqual(proxy.seen.at(-1)?.original, { address: '127.0.0.2', port: 8443, family: 'IPv4' });
    assert.ok(ic.stats().skmsgRedirect > 0n, 'sk_msg redirected at least one message');
  });

  test('a 4 MiB download arrives byte-exact', async () => {
    const file = join(dir, 'down.bin');
    const r = await run(['curl', '-sS', '-o', file, 'http://127.0.0.2:8443/blob'], { cgroup: sandbox.agent });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sha(readFileSync(file)), sha(BLOB));
  });

  test('detach removes the sk_msg program with the rest', async () => {
    const ours = new Set(ic.links().map((l) => l.progId));
    const before = new Set(
      loadAddon()
        .listPrograms()
        .filter((p) => p.name === 'sm_skmsg')
        .map((p) => p.id),
    );
    assert.ok(before.size > 0);
    await ic.detach();
    const after = loadAddon()
      .listPrograms()
      .filter((p) => ours.has(p.id));
    assert.deepEqual(after, []);
    const r = await run(['curl', '-sS', 'http://127.0.0.2:8443/hash'], { cgroup: sandbox.agent });
    assert.equal(r.code, 7);
  });
});
