// Tests local mode: a Git URL (with a #ref) synced into a directory of rendered objects and a
// bundle that the engine can read, with no cluster involved.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readBundle } from '../engine/index.js';
import { parseSourceUrl, syncLocal } from './local.js';
import { type GitServer, startGitServer, TestRepo } from './testing/git-server.js';
import { policyYaml } from './testing/manifests.js';

let git: GitServer;
let work: string;
before(async () => {
  git = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'semamesh-local-'));
});
after(async () => {
  await git.stop();
  await rm(work, { recursive: true, force: true });
});

describe('parseSourceUrl', () => {
  test('reads branch, tag, commit and explicit refs from the fragment', () => {
    assert.deepEqual(parseSourceUrl('https://h/r.git'), { url: 'https://h/r.git' });
    assert.deepEqual(parseSourceUrl('https://h/r.git#main'), {
      url: 'https://h/r.git',
      ref: { branch: 'main' },
    });
    assert.deepEqual(parseSourceUrl('https://h/r.git#v1.2.0'), {
      url: 'https://h/r.git',
      ref: { tag: 'v1.2.0' },
    });
    assert.deepEqual(parseSourceUrl(`https://h/r.git#${'a'.repeat(40)}`), {
      url: 'https://h/r.git',
      ref: { commit: 'a'.repeat(40) },
    });
    assert.deepEqual(parseSourceUrl('https://h/r.git#semver=^1.0'), {
      url: 'https://h/r.git',
      ref: { semver: '^1.0' },
    });
  });
});

describe('syncLocal', () => {
  test('writes objects and a readable bundle; a broken revision writes nothing', async () => {
    const repo = await TestRepo.create(git, 'local');
    try {
      await repo.commitFiles('one', { 'policies/p.yaml': policyYaml('local-policy', 'l1') });
      await repo.push();
      await repo.tag('v1.0.0');
      const c2 = await repo.commitFiles('broken', {
        'policies/p.yaml': policyYaml('local-policy', 'l2').replace('BLOCK', 'NOPE'),
      });
      await repo.push();
      const out = join(work, 'out');
      const cacheDir = join(work, 'cache');
      const good = await syncLocal({
        url: `${git.repoUrl('local')}#v1.0.0`,
        path: 'policies',
        dir: out,
        cacheDir,
      });
      assert.equal(good.ok, true);
      assert.match(good.revision, /^v1\.0\.0@sha1:[0-9a-f]{40}$/);
      assert.deepEqual(
        good.objects.map((o) => o.metadata.name),
        ['local-policy'],
      );
      const objects = await readFile(join(out, 'objects.yaml'), 'utf8');
      assert.match(objects, /message: l1/);
      const bundle = readBundle(await readFile(join(out, 'bundle.tar.gz')));
      assert.ok(bundle.wasm && bundle.wasm.length > 0);
      assert.equal(
        (await syncLocal({ url: `${git.repoUrl('local')}#v1.0.0`, path: 'policies', dir: out, cacheDir }))
          .changed,
        false,
      );
      const bad = await syncLocal({ url: git.repoUrl('local'), path: 'policies', dir: out, cacheDir });
      assert.equal(bad.ok, false);
      assert.equal(bad.revision, `main@sha1:${c2}`);
      assert.ok(
        bad.diagnostics.some((d) => d.file === 'policies/p.yaml' && d.line === 10 && d.severity === 'error'),
      );
      assert.match(await readFile(join(out, 'objects.yaml'), 'utf8'), /message: l1/, 'previous output kept');
    } finally {
      await repo.dispose();
    }
  });
});
