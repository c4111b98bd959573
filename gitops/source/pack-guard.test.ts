// Issue 15 finding 7: a highly compressible huge blob is refused from its pack header, before
// isomorphic-git (or anything) inflates it — the fetching process's peak memory stays far below the
// blob's size — and the error says why (SM_ERR_GITOPS_LIMIT, reason LimitExceeded for the status).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { type GitServer, git, startGitServer, TestRepo } from '../testing/git-server.js';
import { checkPack, PackTooLargeError, packFromResponse } from './pack-guard.js';

const BLOB_MIB = 256;
let server: GitServer;
let work: string;

before(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'semamesh-packguard-'));
});
after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

/**
 * Fetches in a child process (its own peak RSS is the measure) with a 1 MiB blob bound; spawned
 * asynchronously, since the git server answers from this process.
 */
async function fetchInChild(
  url: string,
  dir: string,
): Promise<{ error?: { code: string; reason: string; message: string }; maxRssMiB: number }> {
  const root = new URL('../..', import.meta.url).pathname;
  const script = `
    import { GitSourceCache } from ${JSON.stringify(join(root, 'gitops/source/git-source.ts'))};
    let error;
    try { await new GitSourceCache(${JSON.stringify(dir)}, { maxBlobBytes: 1024 * 1024 }).fetch({ url: ${JSON.stringify(url)}, path: 'policies' }); }
    catch (e) { error = { code: e.code, reason: e.reason, message: e.message }; }
    console.log(JSON.stringify({ error, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 0, stderr);
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

test(`a ${BLOB_MIB} MiB blob of zeros (a small pack) is refused from its header; peak RSS stays bounded`, async () => {
  const repo = await TestRepo.create(server, 'bomb');
  await repo.write({ 'policies/a.yaml': 'a: 1\n' });
  const r = spawnSync('truncate', ['-s', `${BLOB_MIB}M`, join(repo.dir, 'zeros.bin')]);
  assert.equal(r.status, 0);
  await repo.commit('bomb');
  await repo.push();
  const packed = await git(repo.dir, 'count-objects', '-vH');
  const out = await fetchInChild(server.repoUrl('bomb'), join(work, 'bomb'));
  console.log(
    `# ${BLOB_MIB} MiB blob: fetch refused with peak RSS ${out.maxRssMiB.toFixed(0)} MiB (${packed.replace(/\n/g, ' ')})`,
  );
  assert.equal(out.error?.code, 'SM_ERR_GITOPS_LIMIT');
  assert.equal(out.error?.reason, 'LimitExceeded');
  assert.match(
    out.error?.message ?? '',
    new RegExp(`blob object of ${BLOB_MIB * 1024 * 1024} bytes is larger than the 1048576-byte bound`),
  );
  // Node + tsx + isomorphic-git idle at ~100-150 MiB; inflating the blob would add 256 MiB or more.
  assert.ok(out.maxRssMiB < 200, `peak RSS ${out.maxRssMiB} MiB`);
  await repo.dispose();
});

test('a repository within the bound fetches as before in the same setup', async () => {
  const repo = await TestRepo.create(server, 'fine');
  await repo.commitFiles('fine', { 'policies/a.yaml': 'a: 1\n', 'other.bin': 'x'.repeat(500_000) });
  await repo.push();
  const out = await fetchInChild(server.repoUrl('fine'), join(work, 'fine'));
  assert.equal(out.error, undefined);
  await repo.dispose();
});

/** A pack of hand-made objects: [type, declared size, payload before zlib, inflated content]. */
function pack(objects: [number, number, Buffer, Buffer][]): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [head];
  for (const [type, size, prefix, content] of objects) {
    const h: number[] = [];
    let c = (type << 4) | (size & 0x0f);
    let rest = Math.floor(size / 16);
    while (rest > 0) {
      h.push(c | 0x80);
      c = rest & 0x7f;
      rest = Math.floor(rest / 128);
    }
    h.push(c);
    parts.push(Buffer.from(h), Buffer.from(prefix), Buffer.from(deflateSync(content)));
  }
  return Buffer.concat(parts);
}

const varint = (n: number) => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
};

test('a delta that rebuilds an object past the bound is refused from its header', () => {
  const delta = Buffer.concat([varint(10), varint(1 << 30), Buffer.from([0x90, 0x0a])]);
  const ok = Buffer.from('hello, git');
  const p = pack([
    [3, ok.length, Buffer.alloc(0), ok],
    [6, delta.length, Buffer.from([0x0b]), delta],
  ]);
  assert.throws(
    () => checkPack(p, 1024),
    (e: unknown) =>
      e instanceof PackTooLargeError &&
      /delta rebuilds an object of 1073741824 bytes/.test((e as Error).message),
  );
  assert.doesNotThrow(() => checkPack(p, 1 << 30));
});

test('an object whose header lies about its size trips the inflate cap', () => {
  const big = Buffer.alloc(5000, 'a');
  const p = pack([[3, 10, Buffer.alloc(0), big]]);
  assert.throws(() => checkPack(p, 1024), /inflates past its declared 10 bytes/);
});

test('the pack is found in a side-band response after the NAK line', () => {
  const p = pack([[3, 2, Buffer.alloc(0), Buffer.from('hi')]]);
  const pkt = (b: Buffer) => Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
  const body = Buffer.concat([
    pkt(Buffer.from('NAK\n')),
    pkt(Buffer.concat([Buffer.from([2]), Buffer.from('counting objects\n')])),
    pkt(Buffer.concat([Buffer.from([1]), p.subarray(0, 7)])),
    pkt(Buffer.concat([Buffer.from([1]), p.subarray(7)])),
    Buffer.from('0000'),
  ]);
  assert.deepEqual(packFromResponse(body), p);
});
