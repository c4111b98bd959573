// Two controller replicas against one API server with a 2 s Lease: only the leader compiles,
// publishes and writes status; when it stops renewing, the other takes over and carries on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningController, startController } from '../../controller/main.js';
import { testControllerConfig, waitFor } from '../../controller/testing.js';
import { CORE_KINDS, K8sClient, type KubeObject } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

let api: KubeApiServer;
let client: K8sClient;
const running: RunningController[] = [];
const quiet = () => {};

before(async () => {
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system', 'team-a'] });
  client = new K8sClient(api.kubeconfig);
});

after(async () => {
  for (const c of running) await c.close().catch(() => undefined);
  await api.close();
});

const replica = async (identity: string) => {
  const c = await startController(
    testControllerConfig({ identity, leaderElection: true, leaseDurationMs: 2000 }),
    {
      client: new K8sClient(api.kubeconfig),
      log: quiet,
    },
  );
  running.push(c);
  return c;
};

const policy = (name: string): KubeObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name, namespace: 'team-a' },
  spec: { rules: [{ name: 'r', intentMatches: ['drop database'], action: 'BLOCK', riskLevel: 'High' }] },
});

const readyOf = async (name: string) =>
  (
    (await client.get({ apiVersion: 'semamesh.io/v1alpha1', kind: 'SemaPolicy', name, namespace: 'team-a' }))
      .status as { conditions?: { type: string; status: string }[] } | undefined
  )?.conditions?.find((c) => c.type === 'Ready')?.status;

const leaseSpec = async () =>
  (await client.get({ ...CORE_KINDS.Lease, namespace: 'semamesh-system', name: 'semamesh-controller' }))
    .spec as {
    holderIdentity: string;
    leaseTransitions: number;
  };

test('the second replica takes over when the leader stops renewing, and reconciles from then on', async () => {
  const a = await replica('replica-a');
  await waitFor('a leads', () => a.manager.isLeader);
  const b = await replica('replica-b');
  await client.create(policy('before-failover'));
  await waitFor('Ready from a', async () => (await readyOf('before-failover')) === 'True');
  assert.equal(b.manager.isLeader, false);
  assert.ok(a.bundles.get('semamesh'), 'the leader publishes');
  assert.equal(b.bundles.get('semamesh'), undefined, 'a follower publishes nothing');
  // Only the leader serves; a follower's bundle endpoint answers 503, so no waypoint gets a stale
  // or empty answer from it (it retries and reaches the leader).
  assert.equal((await fetch(`${a.metricsUrl}/readyz`)).status, 200);
  const follower = await fetch(b.bundleUrl);
  assert.equal(follower.status, 503);
  assert.equal(((await follower.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_NOT_LEADER');
  assert.equal(b.manager.reconciles, 0, 'a follower writes no status');
  assert.equal((await leaseSpec()).holderIdentity, 'replica-a');

  // a crashes: no release, it just stops renewing (and stops working).
  await a.elector?.stop({ release: false });
  await a.manager.stop();
  // A deposed leader that lingers serves nothing stale (controller/main.ts stopLeading does this).
  a.bundles.setServing(false);
  assert.equal((await fetch(a.bundleUrl)).status, 503);
  const transitions = (await leaseSpec()).leaseTransitions;
  await waitFor('b leads', () => b.manager.isLeader, 10_000);
  const spec = await leaseSpec();
  assert.equal(spec.holderIdentity, 'replica-b');
  assert.equal(spec.leaseTransitions, transitions + 1);

  await client.create(policy('after-failover'));
  await waitFor('Ready from b', async () => (await readyOf('after-failover')) === 'True');
  const served = await waitFor('b serves the bundle', () => b.bundles.get('semamesh'));
  assert.ok(served.revision.startsWith('sha256-'));
  assert.ok(b.manager.reconciles > 0);
});

test('a replica that closes releases the Lease so the other leads without waiting out the lease', async () => {
  const c = await replica('replica-c');
  const current = running.find((r) => r.manager.isLeader && r !== c);
  assert.ok(current);
  // Followers first, so the released Lease can only go to c.
  for (const r of running) if (r !== c && r !== current) await r.close();
  await current.close();
  await waitFor('c leads', () => c.manager.isLeader, 10_000);
  assert.equal((await leaseSpec()).holderIdentity, 'replica-c');
});
