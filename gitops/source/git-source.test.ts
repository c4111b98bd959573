// Tests the Git source against a real smart-HTTP server (git http-backend): refs, caching,
// force-pushes, auth and outages.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isGitopsError } from '../errors.js';
import { type GitServer, startGitServer, TestRepo } from '../testing/git-server.js';
import { GitSourceCache } from './git-source.js';

let server: GitServer;
let work: string;

before(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'semamesh-src-test-'));
});
after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

describe('GitSourceCache', () => {
  test('fetches the default branch, exports only the path, and does nothing more when unchanged', async () => {
    const repo = await TestRepo.create(server, 'basic');
    const c1 = await repo.commitFiles('one', { 'policies/a.yaml': 'a: 1\n', 'README.md': 'hi\n' });
    await repo.push();
    const cache = new GitSourceCache(join(work, 'basic'));
    const url = server.repoUrl('basic');
    const first = await cache.fetch({ url, path: 'policies' });
    assert.equal(first.revision, `main@sha1:${c1}`);
    assert.equal(first.changed, true);
    assert.deepEqual(await readdir(first.dir), ['policies']);
    assert.equal(await readFile(join(first.dir, 'policies/a.yaml'), 'utf8'), 'a: 1\n');
    const again = await cache.fetch({ url, path: 'policies' });
    assert.equal(again.changed, false);
    assert.equal(again.requests, 1);
    assert.equal(again.dir, first.dir);
    // A commit no branch or tag points at any more: found through a full fetch.
    await repo.commitFiles('two', { 'policies/a.yaml': 'a: 2\n' });
    await repo.push();
    const pinned = await cache.fetch({ url, path: 'policies', ref: { commit: c1 } });
    assert.equal(pinned.revision, `sha1:${c1}`);
    assert.equal(await readFile(join(pinned.dir, 'policies/a.yaml'), 'utf8'), 'a: 1\n');
    await assert.rejects(cache.fetch({ url, ref: { commit: 'f'.repeat(40) } }), (e) =>
      isGitopsError(e, 'SM_ERR_GITOPS_REF_NOT_FOUND'),
    );
    await repo.dispose();
  });

  test('follows new commits and a force-push back to an older commit', async () => {
    const repo = await TestRepo.create(server, 'force');
    const c1 = await repo.commitFiles('one', { 'p/a.yaml': 'v: 1\n' });
    await repo.push();
    const c2 = await repo.commitFiles('two', { 'p/a.yaml': 'v: 2\n', 'p/b.yaml': 'b: 1\n' });
    const cache = new GitSourceCache(join(work, 'force'));
    const url = server.repoUrl('force');
    assert.equal((await cache.fetch({ url, path: 'p' })).commit, c1);
    await repo.push();
    const second = await cache.fetch({ url, path: 'p' });
    assert.equal(second.commit, c2);
    assert.equal(await readFile(join(second.dir, 'p/a.yaml'), 'utf8'), 'v: 2\n');
    await repo.resetHard(c1);
    await repo.push({ force: true });
    const third = await cache.fetch({ url, path: 'p' });
    assert.equal(third.commit, c1);
    assert.equal(third.changed, true);
    assert.deepEqual(await readdir(join(third.dir, 'p')), ['a.yaml']);
    await repo.dispose();
  });

  test('resolves tags (annotated too), semver ranges, branches and pinned commits', async () => {
    const repo = await TestRepo.create(server, 'refs');
    const c1 = await repo.commitFiles('one', { 'x.yaml': '1\n' });
    await repo.push();
    await repo.tag('v1.0.0');
    const c2 = await repo.commitFiles('two', { 'x.yaml': '2\n' });
    await repo.push();
    await repo.tag('v1.2.0', true);
    const c3 = await repo.commitFiles('three', { 'x.yaml': '3\n' });
    await repo.push();
    await repo.tag('v2.0.0');
    await repo.push({ branch: 'release' });
    const cache = new GitSourceCache(join(work, 'refs'));
    const url = server.repoUrl('refs');
    assert.equal((await cache.fetch({ url, ref: { tag: 'v1.0.0' } })).revision, `v1.0.0@sha1:${c1}`);
    const annotated = await cache.fetch({ url, ref: { tag: 'v1.2.0' } });
    assert.equal(annotated.revision, `v1.2.0@sha1:${c2}`);
    assert.equal(await readFile(join(annotated.dir, 'x.yaml'), 'utf8'), '2\n');
    assert.equal((await cache.fetch({ url, ref: { semver: '>=1.0.0 <2' } })).revision, `v1.2.0@sha1:${c2}`);
    assert.equal((await cache.fetch({ url, ref: { branch: 'release' } })).revision, `release@sha1:${c3}`);
    const pinned = await cache.fetch({ url, ref: { commit: c1 } });
    assert.equal(pinned.revision, `sha1:${c1}`);
    assert.equal(await readFile(join(pinned.dir, 'x.yaml'), 'utf8'), '1\n');
    await assert.rejects(cache.fetch({ url, ref: { branch: 'nope' } }), (e) =>
      isGitopsError(e, 'SM_ERR_GITOPS_REF_NOT_FOUND'),
    );
    await assert.rejects(cache.fetch({ url, ref: { semver: '>=9' } }), (e) =>
      isGitopsError(e, 'SM_ERR_GITOPS_REF_NOT_FOUND'),
    );
    await assert.rejects(cache.fetch({ url, ref: { semver: 'not a range' } }), (e) =>
      isGitopsError(e, 'SM_ERR_GITOPS_SEMVER'),
    );
    await assert.rejects(cache.fetch({ url, path: 'missing' }), (e) =>
      isGitopsError(e, 'SM_ERR_GITOPS_PATH'),
    );
    await repo.dispose();
  });

  test('sends credentials and classifies auth failures, timeouts and outages', async () => {
    const authServer = await startGitServer({ auth: { token: 's3cret' } });
    try {
      const repo = await TestRepo.create(authServer, 'private', { username: 'git', password: 's3cret' });
      const c1 = await repo.commitFiles('one', { 'a.yaml': 'a\n' });
      await repo.push();
      const cache = new GitSourceCache(join(work, 'auth'));
      const url = authServer.repoUrl('private');
      await assert.rejects(cache.fetch({ url }), (e) => isGitopsError(e, 'SM_ERR_GITOPS_AUTH'));
      await assert.rejects(cache.fetch({ url, credentials: { password: 'wrong' } }), (e) =>
        isGitopsError(e, 'SM_ERR_GITOPS_AUTH'),
      );
      assert.equal((await cache.fetch({ url, credentials: { password: 's3cret' } })).commit, c1);
      assert.equal((await cache.fetch({ url, credentials: { bearerToken: 's3cret' } })).commit, c1);
      authServer.setAvailable(false);
      await assert.rejects(cache.fetch({ url, credentials: { password: 's3cret' } }), (e) => {
        assert.ok(isGitopsError(e, 'SM_ERR_GITOPS_FETCH'));
        assert.equal(e.disposition, 'waiting');
        return true;
      });
      await repo.dispose();
    } finally {
      await authServer.stop();
    }
    await assert.rejects(
      new GitSourceCache(join(work, 'down')).fetch({ url: 'http://127.0.0.1:1/x.git' }),
      (e) => isGitopsError(e, 'SM_ERR_GITOPS_FETCH'),
    );
  });

  test('over HTTPS, trusts a private CA given as ca.crt and refuses the host without it', async () => {
    const tlsServer = await startGitServer({ tls: true });
    try {
      const repo = await TestRepo.create(tlsServer, 'tls');
      const c1 = await repo.commitFiles('one', { 'a.yaml': 'a\n' });
      await repo.push();
      const url = tlsServer.repoUrl('tls');
      assert.ok(url.startsWith('https://'));
      await assert.rejects(new GitSourceCache(join(work, 'tls-no-ca')).fetch({ url }), (e) =>
        isGitopsError(e, 'SM_ERR_GITOPS_FETCH'),
      );
      const ok = await new GitSourceCache(join(work, 'tls')).fetch({
        url,
        credentials: { caCert: tlsServer.caCert },
      });
      assert.equal(ok.commit, c1);
      await repo.dispose();
    } finally {
      await tlsServer.stop();
    }
  });

  test('a repository past a checkout bound (files, blob size, total size, depth) is refused with a coded error', async () => {
    const repo = await TestRepo.create(server, 'bounded');
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`p/f${i}.yaml`] = `n: ${i}\n`;
    await repo.commitFiles('many', {
      ...many,
      'deep/a/b/c/d/e/f.yaml': 'x: 1\n',
      'big/blob.yaml': 'x'.repeat(5000),
    });
    await repo.push();
    const url = server.repoUrl('bounded');
    const limited = (limits: ConstructorParameters<typeof GitSourceCache>[1], path: string) =>
      new GitSourceCache(join(work, `bounded-${path}-${JSON.stringify(limits).length}`), limits).fetch({
        url,
        path,
      });
    const refused = (what: RegExp) => (e: unknown) =>
      isGitopsError(e, 'SM_ERR_GITOPS_LIMIT') && what.test((e as Error).message);
    await assert.rejects(limited({ maxFiles: 10 }, 'p'), refused(/more than 10 files/));
    await assert.rejects(limited({ maxDepth: 3 }, 'deep'), refused(/deeper than 3 levels/));
    // Both are refused while fetching already: the pack guard reads object sizes from the pack
    // headers, and the compressed pack may not exceed the total either (pack-guard.test.ts).
    await assert.rejects(
      limited({ maxBlobBytes: 1000 }, 'big'),
      refused(/blob object of 5000 bytes is larger than the 1000-byte bound; refused before inflating/),
    );
    await assert.rejects(
      limited({ maxTotalBytes: 100 }, 'p'),
      refused(/pack is larger than the 100-byte bound/),
    );
    // Within bounds it exports as before.
    assert.equal((await limited({ maxFiles: 30 }, 'p')).changed, true);
    await repo.dispose();
  });
});
