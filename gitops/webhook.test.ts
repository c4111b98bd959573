// Tests the webhook receiver (signature checks, routing) and, through startGitops, the scheduler:
// a new source is picked up by the informer, and a signed push hook syncs it at once.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { K8sClient, SEMAMESH_KINDS } from '../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { type GitopsManager, startGitops } from './manager.js';
import type { ReconcileResult } from './reconciler.js';
import { type GitServer, startGitServer, TestRepo } from './testing/git-server.js';
import { policyYaml } from './testing/manifests.js';
import { parseHookPath, signBody, verifySignature } from './webhook.js';

describe('webhook signatures', () => {
  test('accepts the GitHub signature of the exact body only', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    const sig = signBody('s3cret', body);
    assert.match(sig, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifySignature('s3cret', body, sig), true);
    assert.equal(verifySignature('other', body, sig), false);
    assert.equal(verifySignature('s3cret', Buffer.from('{"ref":"x"}'), sig), false);
    assert.equal(verifySignature('s3cret', body, undefined), false);
    assert.equal(verifySignature('s3cret', body, sig.slice(0, -2)), false);
    assert.equal(verifySignature('s3cret', body, `sha1=${sig.slice(7)}`), false);
  });

  test('routes /hooks/<ns>/<name> and /hooks/<ns>.<name>', () => {
    assert.deepEqual(parseHookPath('/hooks/policies/platform'), { namespace: 'policies', name: 'platform' });
    assert.deepEqual(parseHookPath('/hooks/policies.platform'), { namespace: 'policies', name: 'platform' });
    assert.equal(parseHookPath('/hooks/../etc'), undefined);
    assert.equal(parseHookPath('/other'), undefined);
  });
});

describe('startGitops with a webhook', () => {
  let kube: KubeApiServer;
  let git: GitServer;
  let work: string;
  let manager: GitopsManager;
  const byName = new Map<string, ReconcileResult[]>();
  let notify: () => void = () => undefined;
  const nextResult = async (count: number, name = 'hooked') => {
    while ((byName.get(name)?.length ?? 0) < count) await new Promise<void>((r) => (notify = r));
    return (byName.get(name) as ReconcileResult[])[count - 1];
  };

  before(async () => {
    kube = await startKubeApiServer({ crds: true, namespaces: ['policies'] });
    git = await startGitServer();
    work = await mkdtemp(join(tmpdir(), 'semamesh-hook-test-'));
    manager = await startGitops({
      client: K8sClient.fromKubeconfig({ kubeconfig: kube.kubeconfigYaml }),
      workDir: work,
      webhookPort: 0,
      webhookSecret: 'hook-secret',
      onResult: (ref, r) => {
        byName.set(ref.name, [...(byName.get(ref.name) ?? []), r]);
        notify();
      },
    });
  });
  after(async () => {
    await manager.stop();
    await git.stop();
    await kube.close();
    await rm(work, { recursive: true, force: true });
  });

  test('a new source is synced on sight, and a signed push hook syncs a new commit at once', async () => {
    const repo = await TestRepo.create(git, 'hooked');
    try {
      const c1 = await repo.commitFiles('one', { 'p.yaml': policyYaml('hooked-policy', 'h1') });
      await repo.push();
      await manager.client.create({
        apiVersion: 'semamesh.io/v1alpha1',
        kind: 'SemaPolicySource',
        metadata: { name: 'hooked', namespace: 'policies' },
        spec: { url: git.repoUrl('hooked'), interval: '1h' },
      });
      const first = await nextResult(1);
      assert.equal(first.revision, `main@sha1:${c1}`);
      const c2 = await repo.commitFiles('two', { 'p.yaml': policyYaml('hooked-policy', 'h2') });
      await repo.push();
      const url = `${manager.webhook?.url}/hooks/policies/hooked`;
      const pushedAt = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ ref: 'refs/heads/main', after: c2, repository: { pushed_at: pushedAt } });
      // Unauthenticated requests are answered from memory: no Secret or source read for them.
      const before = kube.requests.length;
      for (let i = 0; i < 20; i++) {
        const r = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'x-hub-signature-256': `sha256=${i}` },
        });
        assert.equal(r.status, 401);
      }
      const reads = kube.requests
        .slice(before)
        .filter((q) => /\/secrets|\/semapolicysources\/hooked$/.test(q.path));
      assert.deepEqual(reads, [], 'no API call before the HMAC check');
      const unsigned = await fetch(url, { method: 'POST', body });
      assert.equal(unsigned.status, 401);
      assert.equal(((await unsigned.json()) as { code: string }).code, 'SM_ERR_GITOPS_WEBHOOK_SIGNATURE');
      const wrong = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'x-hub-signature-256': signBody('nope', body) },
      });
      assert.equal(wrong.status, 401);
      const unknown = await fetch(`${manager.webhook?.url}/hooks/policies/missing`, {
        method: 'POST',
        body,
        headers: { 'x-hub-signature-256': signBody('hook-secret', body) },
      });
      assert.equal(unknown.status, 404);
      assert.equal(byName.get('hooked')?.length, 1, 'rejected hooks trigger nothing');
      const delivery = { 'x-hub-signature-256': signBody('hook-secret', body), 'x-github-delivery': 'd-1' };
      const ok = await fetch(url, { method: 'POST', body, headers: delivery });
      assert.equal(ok.status, 202);
      const second = await nextResult(2);
      // The same delivery again (captured and replayed): refused, triggers nothing.
      const replayed = await fetch(url, { method: 'POST', body, headers: delivery });
      assert.equal(replayed.status, 409);
      assert.equal(((await replayed.json()) as { code: string }).code, 'SM_ERR_GITOPS_WEBHOOK_REPLAY');
      // A new id on an old, validly signed body: outside the window, refused too.
      const stale = JSON.stringify({
        ref: 'refs/heads/main',
        after: c2,
        repository: { pushed_at: pushedAt - 3600 },
      });
      const old = await fetch(url, {
        method: 'POST',
        body: stale,
        headers: { 'x-hub-signature-256': signBody('hook-secret', stale), 'x-github-delivery': 'd-2' },
      });
      assert.equal(old.status, 409);
      assert.equal(byName.get('hooked')?.length, 2, 'replays trigger nothing');
      assert.equal(second.revision, `main@sha1:${c2}`);
      const p = await manager.client.get({
        ...SEMAMESH_KINDS.SemaPolicy,
        name: 'hooked-policy',
        namespace: 'policies',
      });
      assert.equal((p.spec as { rules: { message: string }[] }).rules[0].message, 'h2');
    } finally {
      await repo.dispose();
    }
  });

  test('the scheduler runs a source again on its interval, which reverts a hand edit', async () => {
    const repo = await TestRepo.create(git, 'ticking');
    try {
      await repo.commitFiles('one', { 'p.yaml': policyYaml('ticking-policy', 't1') });
      await repo.push();
      await manager.client.create({
        apiVersion: 'semamesh.io/v1alpha1',
        kind: 'SemaPolicySource',
        metadata: { name: 'ticking', namespace: 'policies' },
        spec: { url: git.repoUrl('ticking'), interval: '1s' },
      });
      assert.equal((await nextResult(1, 'ticking')).ready, true);
      const pref = { ...SEMAMESH_KINDS.SemaPolicy, name: 'ticking-policy', namespace: 'policies' };
      await manager.client.mergePatch(pref, { spec: { enforcement: 'dryrun' } });
      const seen = byName.get('ticking')?.length ?? 1;
      let corrected = false;
      for (let n = seen + 1; n <= seen + 5 && !corrected; n++)
        corrected = ((await nextResult(n, 'ticking')).outcome?.driftCorrected.length ?? 0) > 0;
      assert.ok(corrected, 'a later interval run reverted the edit');
      const live = await manager.client.get(pref);
      assert.notEqual((live.spec as { enforcement?: string }).enforcement, 'dryrun');
    } finally {
      await repo.dispose();
    }
  });
});
