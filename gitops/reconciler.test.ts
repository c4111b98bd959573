// End-to-end tests of the GitOps reconciler: a real smart-HTTP Git server (git http-backend) and the
// in-repo Kubernetes API server, driven through the real client library. The tests run in order and
// share one repository, like the life of one policy repo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SemaPolicySourceStatus } from '../api/index.js';
import {
  EventRecorder,
  K8sClient,
  type KubeObject,
  type RecordedEvent,
  SEMAMESH_KINDS,
} from '../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { SOURCE_LABEL } from './apply/index.js';
import { SourceReconciler } from './reconciler.js';
import { GitSourceCache } from './source/index.js';
import { type GitServer, startGitServer, TestRepo } from './testing/git-server.js';
import { policyYaml, QUOTA_YAML as QUOTA } from './testing/manifests.js';

const NS = 'policies';
let kube: KubeApiServer;
let gitServer: GitServer;
let client: K8sClient;
let work: string;
let repo: TestRepo;
let reconciler: SourceReconciler;
const events: RecordedEvent[] = [];

const source = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicySource',
  metadata: { name, namespace: NS },
  spec: { interval: '1m', ...spec },
});

async function status(name: string): Promise<SemaPolicySourceStatus> {
  const o = await client.get({ ...SEMAMESH_KINDS.SemaPolicySource, name, namespace: NS });
  return (o.status ?? {}) as SemaPolicySourceStatus;
}

const condition = (s: SemaPolicySourceStatus, type: string) => s.conditions?.find((c) => c.type === type);

async function policyMessage(name: string, namespace = NS): Promise<string | undefined> {
  const o = await client.find({ ...SEMAMESH_KINDS.SemaPolicy, name, namespace });
  return (o?.spec as { rules: { message: string }[] } | undefined)?.rules[0].message;
}

before(async () => {
  kube = await startKubeApiServer({ crds: true, namespaces: [NS, 'team-a'] });
  gitServer = await startGitServer();
  client = K8sClient.fromKubeconfig({ kubeconfig: kube.kubeconfigYaml });
  work = await mkdtemp(join(tmpdir(), 'semamesh-gitops-test-'));
  repo = await TestRepo.create(gitServer, 'policies');
  reconciler = new SourceReconciler({
    client,
    cache: new GitSourceCache(work),
    recorder: new EventRecorder(client, { component: 'semamesh-gitops', onEvent: (e) => events.push(e) }),
    backoff: { baseMs: 10, maxMs: 50 },
    random: () => 0.5,
  });
});

after(async () => {
  await repo.dispose();
  await gitServer.stop();
  await kube.close();
  await rm(work, { recursive: true, force: true });
});

describe('SourceReconciler', () => {
  const ref = { namespace: NS, name: 'platform' };
  let c1 = '';
  let c2 = '';

  test('initial sync applies every SemaMesh object, labelled with its source, and reports Ready', async () => {
    c1 = await repo.commitFiles('initial', {
      'README.md': '# policies\n',
      'policies/a.yaml': `${policyYaml('deny-drops', 'v1')}---\n${QUOTA}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored\n`,
      'policies/b.yaml': policyYaml('team-a-policy', 'b1'),
    });
    await repo.push();
    await client.create(
      source('platform', { url: gitServer.repoUrl('policies'), ref: { branch: 'main' }, path: './policies' }),
    );
    const r = await reconciler.reconcile(ref);
    assert.equal(r.error, undefined);
    assert.equal(r.ready, true);
    assert.equal(r.revision, `main@sha1:${c1}`);
    assert.equal(r.requeueAfterMs, 60_000);
    assert.equal(await policyMessage('deny-drops'), 'v1');
    assert.equal(await policyMessage('team-a-policy'), 'b1');
    const quota = await client.get({ ...SEMAMESH_KINDS.SemaQuota, name: 'team-budget', namespace: NS });
    assert.equal(quota.metadata.labels?.[SOURCE_LABEL], 'policies.platform');
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'ConfigMap', name: 'ignored', namespace: NS }),
      undefined,
    );
    const s = await status('platform');
    assert.equal(condition(s, 'Ready')?.status, 'True');
    assert.equal(condition(s, 'Ready')?.reason, 'Succeeded');
    assert.equal(s.observedGeneration, 1);
    assert.equal(s.lastAppliedRevision, `main@sha1:${c1}`);
    assert.equal(s.lastAttemptedRevision, `main@sha1:${c1}`);
    assert.match(s.artifact?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      s.inventory?.map((e) => `${e.kind}/${e.namespace}/${e.name}`),
      [
        'SemaPolicy/policies/deny-drops',
        'SemaPolicy/policies/team-a-policy',
        'SemaQuota/policies/team-budget',
      ],
    );
    assert.ok(events.some((e) => e.reason === 'Applied' && e.message.includes('created')));
  });

  test('a resync with nothing new writes nothing', async () => {
    const before = kube.requests.length;
    const r = await reconciler.reconcile(ref);
    assert.equal(r.ready, true);
    const writes = kube.requests.slice(before).filter((q) => q.method !== 'GET');
    assert.deepEqual(writes, []);
  });

  test('a new commit is applied and a deleted file is pruned', async () => {
    await repo.write({ 'policies/a.yaml': `${policyYaml('deny-drops', 'v2')}---\n${QUOTA}` });
    await repo.remove('policies/b.yaml');
    c2 = await repo.commit('v2, drop b');
    await repo.push();
    const r = await reconciler.reconcile(ref);
    assert.equal(r.revision, `main@sha1:${c2}`);
    assert.equal(await policyMessage('deny-drops'), 'v2');
    assert.equal(await policyMessage('team-a-policy'), undefined);
    assert.deepEqual(r.outcome?.pruned, ['SemaPolicy policies/team-a-policy']);
    assert.equal((await status('platform')).inventory?.length, 2);
    assert.ok(
      events.some(
        (e) => e.reason === 'Applied' && e.message.includes('pruned SemaPolicy policies/team-a-policy'),
      ),
    );
  });

  test('a broken commit applies nothing and the status names file:line:col; a fixed commit recovers', async () => {
    const bad = policyYaml('bad', 'x').replace('action: BLOCK', 'action: NUKE');
    const c3 = await repo.commitFiles('broken', {
      'policies/a.yaml': `${policyYaml('deny-drops', 'v3')}---\n${QUOTA}`,
      'policies/bad.yaml': bad,
    });
    await repo.push();
    const r = await reconciler.reconcile(ref);
    assert.equal(r.ready, false);
    assert.equal(r.error?.code, 'SM_ERR_GITOPS_INVALID_CONTENT');
    assert.equal(r.error?.disposition, 'stalling');
    assert.equal(r.requeueAfterMs, 60_000);
    assert.equal(await policyMessage('deny-drops'), 'v2', 'nothing of the broken revision was applied');
    const s = await status('platform');
    assert.equal(condition(s, 'Ready')?.status, 'False');
    assert.equal(condition(s, 'Ready')?.reason, 'ValidationFailed');
    assert.equal(condition(s, 'Stalled')?.status, 'True');
    assert.equal(condition(s, 'BuildFailed')?.status, 'True');
    assert.match(condition(s, 'Ready')?.message ?? '', /policies\/bad\.yaml:10:15: SM_ERR_API_SCHEMA/);
    assert.equal(s.lastAttemptedRevision, `main@sha1:${c3}`);
    assert.equal(s.lastAppliedRevision, `main@sha1:${c2}`);
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'ValidationFailed'));

    await repo.write({ 'policies/bad.yaml': policyYaml('bad', 'fixed') });
    const c4 = await repo.commit('fix');
    await repo.push();
    const fixed = await reconciler.reconcile(ref);
    assert.equal(fixed.ready, true);
    const s2 = await status('platform');
    assert.equal(s2.lastAppliedRevision, `main@sha1:${c4}`);
    assert.equal(condition(s2, 'Stalled'), undefined);
    assert.equal(condition(s2, 'BuildFailed'), undefined);
    assert.equal(await policyMessage('deny-drops'), 'v3');
    assert.equal(await policyMessage('bad'), 'fixed');
    assert.ok(events.some((e) => e.reason === 'Recovered'));
  });

  test('a force-push back to an older commit is followed, pruning what it lacks', async () => {
    await repo.resetHard(c2);
    await repo.push({ force: true });
    const r = await reconciler.reconcile(ref);
    assert.equal(r.revision, `main@sha1:${c2}`);
    assert.equal(await policyMessage('deny-drops'), 'v2');
    assert.equal(await policyMessage('bad'), undefined);
  });

  test('a hand edit in the cluster is reverted and an Event says so', async () => {
    const pref = { ...SEMAMESH_KINDS.SemaPolicy, name: 'deny-drops', namespace: NS };
    const live = await client.get(pref);
    const rules = structuredClone((live.spec as { rules: { message: string }[] }).rules);
    rules[0].message = 'edited by hand';
    await client.mergePatch(pref, { spec: { rules, enforcement: 'dryrun', priority: 7 } });
    assert.equal(await policyMessage('deny-drops'), 'edited by hand');
    const r = await reconciler.reconcile(ref);
    assert.deepEqual(r.outcome?.driftCorrected, ['SemaPolicy policies/deny-drops']);
    const after = await client.get(pref);
    assert.equal((after.spec as { rules: { message: string }[] }).rules[0].message, 'v2');
    assert.notEqual((after.spec as { enforcement?: string }).enforcement, 'dryrun');
    assert.notEqual((after.spec as { priority?: number }).priority, 7);
    assert.ok(events.some((e) => e.reason === 'DriftCorrected' && e.message.includes('deny-drops')));
    assert.deepEqual((await reconciler.reconcile(ref)).outcome?.driftCorrected, []);
  });

  test('an unreachable repository is retried with growing backoff, then recovers', async () => {
    gitServer.setAvailable(false);
    try {
      const delays: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await reconciler.reconcile(ref);
        assert.equal(r.error?.code, 'SM_ERR_GITOPS_FETCH');
        delays.push(r.requeueAfterMs ?? -1);
      }
      assert.deepEqual(delays, [10, 20, 40, 50]);
      const s = await status('platform');
      assert.equal(condition(s, 'Ready')?.status, 'False');
      assert.equal(condition(s, 'Reconciling')?.reason, 'ProgressingWithRetry');
      assert.equal(condition(s, 'FetchFailed')?.status, 'True');
      assert.equal(condition(s, 'Stalled'), undefined);
      assert.equal(
        await policyMessage('deny-drops'),
        'v2',
        'applied objects stay while the repository is down',
      );
    } finally {
      gitServer.setAvailable(true);
    }
    const r = await reconciler.reconcile(ref);
    assert.equal(r.ready, true);
    assert.equal(condition(await status('platform'), 'Reconciling'), undefined);
  });

  test('a suspended source is left alone until resumed', async () => {
    const sref = { ...SEMAMESH_KINDS.SemaPolicySource, name: 'platform', namespace: NS };
    await client.mergePatch(sref, { spec: { suspend: true } });
    const c5 = await repo.commitFiles('while suspended', {
      'policies/a.yaml': `${policyYaml('deny-drops', 'v5')}---\n${QUOTA}`,
    });
    await repo.push();
    const r = await reconciler.reconcile(ref);
    assert.equal(r.requeueAfterMs, undefined);
    assert.equal(await policyMessage('deny-drops'), 'v2');
    await client.mergePatch(sref, { spec: { suspend: false } });
    const resumed = await reconciler.reconcile(ref);
    assert.equal(resumed.revision, `main@sha1:${c5}`);
    assert.equal(await policyMessage('deny-drops'), 'v5');
    assert.equal((await status('platform')).observedGeneration, 3);
  });

  test('another source cannot take over an object this one manages', async () => {
    const otherRepo = await TestRepo.create(gitServer, 'other');
    try {
      await otherRepo.commitFiles('steal', { 'p.yaml': policyYaml('deny-drops', 'stolen', NS) });
      await otherRepo.push();
      await client.create(source('other', { url: gitServer.repoUrl('other') }));
      const r = await reconciler.reconcile({ namespace: NS, name: 'other' });
      assert.equal(r.error?.code, 'SM_ERR_GITOPS_OWNERSHIP');
      assert.equal(condition(await status('other'), 'Stalled')?.reason, 'OwnershipConflict');
      assert.equal(await policyMessage('deny-drops'), 'v5');
    } finally {
      await otherRepo.dispose();
    }
  });
  test('deleting the source garbage-collects what it applied, then releases the finalizer', async () => {
    const sref = { ...SEMAMESH_KINDS.SemaPolicySource, name: 'platform', namespace: NS };
    assert.deepEqual((await client.get(sref)).metadata.finalizers, ['semamesh.io/gitops']);
    await client.delete(sref);
    assert.ok((await client.get(sref)).metadata.deletionTimestamp, 'held by the finalizer');
    const r = await reconciler.reconcile(ref);
    assert.equal(r.requeueAfterMs, undefined);
    assert.equal(await client.find(sref), undefined);
    assert.equal(await policyMessage('deny-drops'), undefined);
    assert.equal(
      await client.find({ ...SEMAMESH_KINDS.SemaQuota, name: 'team-budget', namespace: NS }),
      undefined,
    );
    assert.ok(events.some((e) => e.reason === 'Pruned' && e.message.includes('source deleted')));
  });
});

describe('SourceReconciler with credentials', () => {
  test('reads a token from secretRef; a missing Secret stalls until it exists', async () => {
    const authServer = await startGitServer({ auth: { token: 'tok-123' } });
    const privateRepo = await TestRepo.create(authServer, 'private', { username: 'ci', password: 'tok-123' });
    try {
      const c1 = await privateRepo.commitFiles('one', { 'deny.yaml': policyYaml('private-policy', 'p1') });
      await privateRepo.push();
      await client.create(
        source('private', { url: authServer.repoUrl('private'), secretRef: { name: 'git-token' } }),
      );
      const ref = { namespace: NS, name: 'private' };
      const missing = await reconciler.reconcile(ref);
      assert.equal(missing.error?.code, 'SM_ERR_GITOPS_SECRET');
      assert.equal(condition(await status('private'), 'Stalled')?.reason, 'SecretNotFound');
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'git-token', namespace: NS },
        data: { password: Buffer.from('wrong').toString('base64') },
      });
      const denied = await reconciler.reconcile(ref);
      assert.equal(denied.error?.code, 'SM_ERR_GITOPS_AUTH');
      assert.equal(condition(await status('private'), 'Ready')?.reason, 'AuthenticationFailed');
      await client.mergePatch(
        { apiVersion: 'v1', kind: 'Secret', name: 'git-token', namespace: NS },
        {
          data: { password: Buffer.from('tok-123').toString('base64') },
        },
      );
      const ok = await reconciler.reconcile(ref);
      assert.equal(ok.revision, `main@sha1:${c1}`);
      assert.equal(await policyMessage('private-policy'), 'p1');
    } finally {
      await privateRepo.dispose();
      await authServer.stop();
    }
  });

  test('a source cannot write into another namespace (tenant isolation); nothing is applied', async () => {
    const other = await TestRepo.create(gitServer, 'reach');
    try {
      await other.commitFiles('reach', {
        'mine.yaml': policyYaml('mine', 'ok'),
        'theirs.yaml': policyYaml('pause-team-a', 'gotcha', 'team-a'),
      });
      await other.push();
      await client.create(source('reach', { url: gitServer.repoUrl('reach') }));
      const r = await reconciler.reconcile({ namespace: NS, name: 'reach' });
      assert.equal(r.error?.code, 'SM_ERR_GITOPS_NAMESPACE');
      assert.match(r.error?.message ?? '', /SemaPolicy team-a\/pause-team-a \(theirs\.yaml:\d+\)/);
      assert.equal(await policyMessage('pause-team-a', 'team-a'), undefined);
      assert.equal(await policyMessage('mine'), undefined, 'all or nothing');
      assert.equal(condition(await status('reach'), 'Stalled')?.status, 'True');
    } finally {
      await other.dispose();
    }
  });

  test('a compressible huge blob is refused before it is inflated; the status says LimitExceeded', async () => {
    const bomb = await TestRepo.create(gitServer, 'bomb');
    try {
      await bomb.write({ 'mine.yaml': policyYaml('bombed', 'never applied') });
      // 64 MiB of zeros: a few KB in the pack, 64 times the default 1 MiB blob bound once inflated.
      const sized = spawnSync('truncate', ['-s', '64M', join(bomb.dir, 'zeros.bin')]);
      assert.equal(sized.status, 0);
      await bomb.commit('bomb');
      await bomb.push();
      await client.create(source('bomb', { url: gitServer.repoUrl('bomb') }));
      const r = await reconciler.reconcile({ namespace: NS, name: 'bomb' });
      assert.equal(r.error?.code, 'SM_ERR_GITOPS_LIMIT');
      const ready = condition(await status('bomb'), 'Ready');
      assert.equal(ready?.status, 'False');
      assert.equal(ready?.reason, 'LimitExceeded');
      assert.match(
        ready?.message ?? '',
        /blob object of 67108864 bytes is larger than the 1048576-byte bound/,
      );
      assert.equal(await policyMessage('bombed'), undefined);
    } finally {
      await bomb.dispose();
    }
  });

  test('credentials in spec.url never reach status, Events or logs', async () => {
    const logs: string[] = [];
    const quiet = new SourceReconciler({
      client,
      cache: new GitSourceCache(work),
      recorder: new EventRecorder(client, { component: 'semamesh-gitops', onEvent: (e) => events.push(e) }),
      backoff: { baseMs: 10, maxMs: 50 },
      log: (m) => logs.push(m),
    });
    // Port 9 on loopback: nothing listens, so the fetch fails and its error names the URL.
    await client.create(source('leaky', { url: 'http://ci-bot:s3cr3t-t0ken@127.0.0.1:9/repo.git' }));
    const r = await quiet.reconcile({ namespace: NS, name: 'leaky' });
    assert.ok(r.error);
    const st = await status('leaky');
    const seen = JSON.stringify([st, events, logs, r.error?.message]);
    assert.doesNotMatch(seen, /s3cr3t-t0ken/);
    assert.doesNotMatch(seen, /ci-bot:/);
  });
});
