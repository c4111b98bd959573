// Issue 15 finding 5: a GitOps sync of 300 policies published a run of partial bundles as the
// objects arrived. With the sync barrier the controller publishes one bundle holding all of them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GitSourceCache, SourceReconciler } from '../../gitops/index.js';
import { type GitServer, startGitServer, TestRepo } from '../../gitops/testing/git-server.js';
import { policyYaml } from '../../gitops/testing/manifests.js';
import { K8sClient } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../../test/kube-api-server/index.js';
import { waitFor } from '../testing.js';
import { ControllerManager } from './manager.js';
import type { CompileReport } from './policy-set.js';

const NS = 'policies';
const N = 300;
let kube: KubeApiServer;
let gitServer: GitServer;
let repo: TestRepo;
let work: string;

before(async () => {
  kube = await startKubeApiServer({ crds: true, namespaces: [NS] });
  gitServer = await startGitServer();
  repo = await TestRepo.create(gitServer, 'many');
  work = await mkdtemp(join(tmpdir(), 'semamesh-sync-barrier-'));
});
after(async () => {
  await repo.dispose();
  await gitServer.stop();
  await kube.close();
  await rm(work, { recursive: true, force: true });
});

test(`a sync of ${N} policies publishes one complete bundle, not partial ones`, async () => {
  const client = K8sClient.fromKubeconfig({ kubeconfig: kube.kubeconfigYaml });
  const files: Record<string, string> = {};
  for (let i = 0; i < N; i++) files[`policies/p${i}.yaml`] = policyYaml(`p${i}`, `m${i}`);
  await repo.commitFiles('many', files);
  await repo.push();
  const reports: CompileReport[] = [];
  const published: string[] = [];
  // A short debounce and max delay: without the barrier, a compile runs every 100 ms of the sync.
  const manager = new ControllerManager({
    client,
    debounceMs: 20,
    maxDelayMs: 100,
    publish: (_bundle, revision) => {
      published.push(revision);
    },
    onCompiled: (r) => reports.push(r),
  });
  await manager.start();
  try {
    manager.setLeader(true);
    await waitFor('the empty set is published', () => published.length === 1);
    await client.create({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicySource',
      metadata: { name: 'many', namespace: NS },
      spec: { url: gitServer.repoUrl('many'), ref: { branch: 'main' }, path: './policies', interval: '1h' },
    });
    const reconciler = new SourceReconciler({
      client,
      cache: new GitSourceCache(work),
      syncBarrier: manager.syncBarrier,
    });
    const r = await reconciler.reconcile({ namespace: NS, name: 'many' });
    assert.equal(r.error, undefined);
    await waitFor(
      'a bundle with every policy',
      () => reports.some((x) => x.published && x.included === N),
      30_000,
    );
    await manager.compiler.flush();
    const publishedReports = reports.filter((x) => x.published);
    assert.deepEqual(
      publishedReports.map((x) => x.included),
      [0, N],
      'one bundle before the sync, one complete bundle after it',
    );
    assert.equal(published.length, 2);
  } finally {
    await manager.stop();
  }
});
