// Tests the Git piece of `semamesh up --source`: one sync with printed diagnostics, and the
// interval watcher reporting a new good revision.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GitServer, startGitServer, TestRepo } from '../../gitops/testing/git-server.js';
import { policyYaml } from '../../gitops/testing/manifests.js';
import { syncUpSource, watchUpSource } from './up-source.js';

let git: GitServer;
let work: string;
before(async () => {
  git = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'semamesh-up-source-'));
});
after(async () => {
  await git.stop();
  await rm(work, { recursive: true, force: true });
});

test('syncUpSource prints file:line:col for a bad revision; watchUpSource reports the fix', async () => {
  const repo = await TestRepo.create(git, 'up');
  try {
    await repo.commitFiles('bad', {
      'policies/p.yaml': policyYaml('up-policy', 'x').replace('BLOCK', 'NOPE'),
    });
    await repo.push();
    const lines: string[] = [];
    const options = {
      source: `${git.repoUrl('up')}#main`,
      path: 'policies',
      dir: join(work, 'out'),
      cacheDir: join(work, 'cache'),
      log: (l: string) => lines.push(l),
    };
    const bad = await syncUpSource(options);
    assert.equal(bad.ok, false);
    assert.ok(
      lines.some((l) => l.startsWith('policies/p.yaml:10:15: SM_ERR_API_SCHEMA')),
      lines.join('\n'),
    );
    const changed = new Promise<string>((resolve) => {
      const stop = watchUpSource({
        ...options,
        intervalMs: 50,
        onChange: (r) => {
          stop();
          resolve(r.revision);
        },
      });
    });
    const fixed = await repo.commitFiles('fix', { 'policies/p.yaml': policyYaml('up-policy', 'x') });
    await repo.push();
    assert.equal(await changed, `main@sha1:${fixed}`);
  } finally {
    await repo.dispose();
  }
});
