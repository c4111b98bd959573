// Leader election against the test API server with a hand-driven clock: who wins, when a silent
// leader's lease counts as expired, and that concurrent candidates never both lead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CORE_KINDS, K8sClient } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../../test/kube-api-server/index.js';
import { LeaderElector } from './lease.js';

let api: KubeApiServer;
let client: K8sClient;

before(async () => {
  api = await startKubeApiServer({ namespaces: ['semamesh-system'] });
  client = new K8sClient(api.kubeconfig);
});
after(() => api.close());

function candidate(identity: string, clock: { t: number }, name: string, log: string[] = []) {
  return new LeaderElector({
    client,
    namespace: 'semamesh-system',
    name,
    identity,
    leaseDurationMs: 2000,
    now: () => clock.t,
    onStartedLeading: () => log.push(`${identity}+`),
    onStoppedLeading: () => log.push(`${identity}-`),
  });
}

const lease = async (name: string) =>
  (await client.get({ ...CORE_KINDS.Lease, namespace: 'semamesh-system', name })).spec as {
    holderIdentity: string;
    leaseDurationSeconds: number;
    leaseTransitions: number;
    acquireTime: string;
    renewTime: string;
  };

test('the first candidate creates the Lease; the second waits until the holder stops renewing for the lease duration', async () => {
  const clock = { t: 1_000_000 };
  const log: string[] = [];
  const a = candidate('a', clock, 'l1', log);
  const b = candidate('b', clock, 'l1', log);
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  let spec = await lease('l1');
  assert.equal(spec.holderIdentity, 'a');
  assert.equal(spec.leaseDurationSeconds, 2);
  assert.equal(spec.leaseTransitions, 0);
  assert.match(spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  // a renews: b keeps seeing a changing Lease and never takes over.
  for (let i = 0; i < 5; i++) {
    clock.t += 1500;
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
  }
  // a goes silent. Just under the lease duration after b last saw a change: still a's.
  clock.t += 1999;
  assert.equal(await b.tryAcquireOrRenew(), false);
  clock.t += 1;
  assert.equal(await b.tryAcquireOrRenew(), true);
  spec = await lease('l1');
  assert.equal(spec.holderIdentity, 'b');
  assert.equal(spec.leaseTransitions, 1);
  // a comes back: it sees b holding a fresh lease and gives up once its renew deadline passed.
  clock.t += 1400;
  assert.equal(await a.tryAcquireOrRenew(), false);
  assert.deepEqual(log, ['a+', 'b+', 'a-']);
});

test('two candidates racing for a free Lease: exactly one wins (resourceVersion precondition)', async () => {
  const clock = { t: 5_000_000 };
  const seed = candidate('seed', clock, 'l2');
  await seed.tryAcquireOrRenew();
  await seed.stop(); // releases: holder cleared
  assert.equal((await lease('l2')).holderIdentity, '');
  const racers = ['x', 'y', 'z'].map((id) => candidate(id, clock, 'l2'));
  const won = await Promise.all(racers.map((r) => r.tryAcquireOrRenew()));
  assert.equal(won.filter(Boolean).length, 1);
  const holder = (await lease('l2')).holderIdentity;
  assert.equal(holder, ['x', 'y', 'z'][won.indexOf(true)]);
});

test('a leader past its renew deadline (frozen) is no longer leader when asked, before any round', async () => {
  const clock = { t: 9_000_000 };
  const log: string[] = [];
  const a = candidate('a', clock, 'l3', log);
  assert.equal(await a.tryAcquireOrRenew(), true);
  clock.t += 1332; // renew deadline: 2/3 of 2 s, 1333 ms
  assert.equal(a.isLeader, true);
  clock.t += 1;
  assert.equal(a.isLeader, false);
  assert.deepEqual(log, ['a+', 'a-']);
  // Nobody took the Lease meanwhile: the next round renews it and leads again.
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.deepEqual(log, ['a+', 'a-', 'a+']);
});
