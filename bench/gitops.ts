// GitOps sync cost on a 1,000-file policy repository served by a real smart-HTTP server
// (git http-backend): first sync and no-op resync, for the Git source alone, for local mode
// (fetch + validate + compile) and for a cluster reconcile (plus server-side apply of 1,000 objects
// to the in-repo API server). Goals: first sync ≤ 3 s, no-op resync ≤ 100 ms. Prints figures only.
// Usage: npx tsx bench/gitops.ts [files=1000] [resyncs=5]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSourceCache, SourceReconciler, syncLocal } from '../gitops/index.js';
import { startGitServer, TestRepo } from '../gitops/testing/git-server.js';
import { policyYaml } from '../gitops/testing/manifests.js';
import { K8sClient } from '../kube/index.js';
import { startKubeApiServer } from '../test/kube-api-server/index.js';

const files = Number(process.argv[2] ?? 1000);
const resyncs = Number(process.argv[3] ?? 5);

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (v: number) => `${v.toFixed(1).padStart(8)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [ms(t0), out];
}

const work = await mkdtemp(join(tmpdir(), 'semamesh-bench-gitops-'));
const git = await startGitServer();
const kube = await startKubeApiServer({ crds: true, namespaces: ['bench'] });
try {
  const repo = await TestRepo.create(git, 'bench');
  const content: Record<string, string> = { 'README.md': '# bench\n' };
  for (let i = 0; i < files; i++)
    content[`policies/team-${i % 20}/policy-${i}.yaml`] = policyYaml(`policy-${i}`, `message ${i}`);
  await repo.commitFiles('bench', content);
  await repo.push();
  const url = git.repoUrl('bench');
  console.log(`gitops bench: ${files} policy files, ${resyncs} resyncs per figure (median)\n`);

  const cache = new GitSourceCache(join(work, 'source'));
  const [fetchFirst, f] = await timed(() => cache.fetch({ url, path: 'policies' }));
  const fetchAgain: number[] = [];
  for (let i = 0; i < resyncs; i++)
    fetchAgain.push((await timed(() => cache.fetch({ url, path: 'policies' })))[0]);
  console.log(`git source   first fetch + export  ${fmt(fetchFirst)}   (${f.revision.slice(0, 20)}…)`);
  console.log(`git source   no-op resync          ${fmt(median(fetchAgain))}   (1 ls-refs round trip)`);

  const out = join(work, 'local-out');
  const [localFirst, l] = await timed(() =>
    syncLocal({ url, path: 'policies', dir: out, cacheDir: join(work, 'local-cache') }),
  );
  const localAgain: number[] = [];
  for (let i = 0; i < resyncs; i++)
    localAgain.push(
      (
        await timed(() => syncLocal({ url, path: 'policies', dir: out, cacheDir: join(work, 'local-cache') }))
      )[0],
    );
  console.log(
    `local mode   first sync            ${fmt(localFirst)}   (${l.objects.length} objects, ok=${l.ok})`,
  );
  console.log(
    `local mode   no-op resync          ${fmt(median(localAgain))}   (1 ls-refs round trip; render cached)`,
  );

  const client = K8sClient.fromKubeconfig({ kubeconfig: kube.kubeconfigYaml });
  await client.create({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicySource',
    metadata: { name: 'bench', namespace: 'bench' },
    spec: { url, path: 'policies', interval: '5m' },
  });
  const reconciler = new SourceReconciler({ client, cache: new GitSourceCache(join(work, 'cluster')) });
  const ref = { namespace: 'bench', name: 'bench' };
  const [clusterFirst, c] = await timed(() => reconciler.reconcile(ref));
  const clusterAgain: number[] = [];
  for (let i = 0; i < resyncs; i++) clusterAgain.push((await timed(() => reconciler.reconcile(ref)))[0]);
  console.log(
    `cluster      first sync            ${fmt(clusterFirst)}   (ready=${c.ready}, created ${c.outcome?.created.length ?? 0})`,
  );
  console.log(
    `cluster      no-op resync          ${fmt(median(clusterAgain))}   (ls-refs + 2 lists + drift check, no writes)`,
  );
  console.log('\ngoals: first sync ≤ 3000 ms, no-op resync ≤ 100 ms');
  await repo.dispose();
} finally {
  await kube.close();
  await git.stop();
  await rm(work, { recursive: true, force: true });
}
