// Leader election on a real kube-apiserver (#16): two real `semamesh controller` processes run
// with the controller ServiceAccount's own token (deploy/base RBAC enforced by the API server, no
// admin credentials), race for the Lease, and exactly one leads: it alone serves the bundle and
// writes status; the other answers 503 SM_ERR_CONTROLLER_NOT_LEADER. SIGKILL of the leader (no
// release of the Lease) hands over once the Lease expires, and the new leader compiles and serves
// a policy applied after the failover; the restarted process stays a follower; a leader frozen
// (SIGSTOP) past its Lease answers a request waiting for it on waking with 503, not with its stale
// bundle (it judges its leadership by its clock on every request). The node agent's
// ServiceAccount is checked with `kubectl auth can-i` for what the node agent calls.
//
// Skipped, with the reason printed, when the Kubernetes binaries are not built; an error under CI=true.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  applyObjects,
  baseRbac,
  type Cluster,
  freePort,
  installCrds,
  serviceAccountToken,
  skipUnlessBuilt,
  startCluster,
  startControllerProcess,
  stopProcess,
  tokenKubeconfig,
  until,
} from './harness.js';

const skip = skipUnlessBuilt();
const NS = 'semamesh-system';
const TEAM = 'team-le';
const GROUP = 'semamesh.io';
const LEASE = 'semamesh-controller';
const LEASE_SECONDS = 5;
const policies = `/apis/${GROUP}/v1alpha1/namespaces/${TEAM}/semapolicies`;

interface Obj {
  metadata: { name: string; managedFields?: { manager: string; subresource?: string }[] };
  status?: {
    conditions?: { type: string; status: string }[];
    observedGeneration?: number;
    compiledRevision?: string;
  };
}

interface Replica {
  id: string;
  bundlePort: number;
  metricsPort: number;
  proc: ChildProcess;
  output: () => string;
}

let c: Cluster;
let dir: string;
let kubeconfig: string;
const replicas: Replica[] = [];

/** A kubeconfig holding only the controller ServiceAccount's token (TokenRequest, 1 h). */
async function controllerKubeconfig(): Promise<string> {
  const token = await serviceAccountToken(c, NS, 'semamesh-controller', { expirationSeconds: 3600 });
  return tokenKubeconfig(c, join(dir, 'controller.kubeconfig'), 'semamesh-controller', token);
}

async function startReplica(
  id: string,
  ports?: { bundlePort: number; metricsPort: number },
): Promise<Replica> {
  const bundlePort = ports?.bundlePort ?? (await freePort());
  const metricsPort = ports?.metricsPort ?? (await freePort());
  const p = startControllerProcess([
    ...['--kubeconfig', kubeconfig, '--namespace', NS, '--identity', id, '--no-gitops'],
    ...['--lease-name', LEASE, '--lease-duration', String(LEASE_SECONDS), '--debounce', '50'],
    ...['--bundle-host', '127.0.0.1', '--bundle-port', String(bundlePort)],
    ...['--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort)],
  ]);
  const r = { id, bundlePort, metricsPort, ...p };
  replicas.push(r);
  return r;
}

const outputs = () => replicas.map((r) => `--- ${r.id}\n${r.output()}`).join('\n');
const fail = (e: unknown) => {
  throw new Error(`${e}\n${outputs()}`);
};

async function readyz(r: Replica): Promise<number | undefined> {
  return (await fetch(`http://127.0.0.1:${r.metricsPort}/readyz`).catch(() => undefined))?.status;
}

async function bundle(r: Replica): Promise<{ status: number; text: string; bytes: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${r.bundlePort}/bundles/semamesh`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: bytes.toString('utf8'), bytes };
}

/** The revision in the served bundle's .manifest. */
function manifestRevision(bytes: Buffer): string {
  for (const name of ['.manifest', '/.manifest']) {
    const m = spawnSync('tar', ['-xzOf', '-', name], { input: bytes, encoding: 'utf8' });
    if (m.status === 0) return JSON.parse(m.stdout).revision;
  }
  throw new Error('the bundle has no .manifest');
}

async function holder(): Promise<string | undefined> {
  const r = await c.api<{ spec?: { holderIdentity?: string } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${LEASE}`,
  );
  return r.status === 200 ? r.body.spec?.holderIdentity || undefined : undefined;
}

const stop = (r: Replica, signal: NodeJS.Signals = 'SIGTERM') => stopProcess(r.proc, signal);

async function applyPolicy(name: string): Promise<Obj> {
  const body = {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'SemaPolicy',
    metadata: { name, namespace: TEAM },
    spec: {
      rules: [
        { name: `${name}-rule`, intentMatches: [`drop ${name}`], action: 'BLOCK', riskLevel: 'Critical' },
      ],
    },
  };
  const created = await c.api('POST', policies, body);
  assert.equal(created.status, 201, created.text);
  return until(
    `SemaPolicy ${name} Ready=True`,
    async () => {
      const p = await c.api<Obj>('GET', `${policies}/${name}`);
      const ready = p.body.status?.conditions?.find((x) => x.type === 'Ready');
      return ready?.status === 'True' && p.body.status?.observedGeneration === 1 ? p.body : undefined;
    },
    120_000,
  ).catch(fail);
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), `semamesh-h16-le-${process.pid}-`));
  c = await startCluster();
  console.log(`# cluster: etcd + kube-apiserver ready in ${c.startSeconds.toFixed(1)}s at ${c.server}`);
  installCrds(c);
  applyObjects(c, [...baseRbac(c), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEAM } }]);
  kubeconfig = await controllerKubeconfig();
});

after(async () => {
  for (const r of replicas.splice(0)) await stop(r);
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two semamesh controller processes with the controller ServiceAccount token', { skip }, () => {
  const tag = `${process.pid}`;
  let leader: Replica;
  let follower: Replica;

  test('the token is the ServiceAccount, not an admin: RBAC is enforced for the processes', () => {
    const as = ['--kubeconfig', kubeconfig];
    const run = (args: string[]) =>
      spawnSync(join(c.bin, 'kubectl'), [...as, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(
      run(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']).stdout,
      `system:serviceaccount:${NS}:semamesh-controller`,
    );
    assert.equal(run(['auth', 'can-i', 'create', 'leases', '-n', NS]).stdout.trim(), 'yes');
    assert.equal(run(['auth', 'can-i', 'delete', 'leases', '-n', NS]).stdout.trim(), 'no');
    assert.equal(run(['auth', 'can-i', 'create', 'leases', '-n', TEAM]).stdout.trim(), 'no');
    assert.equal(run(['auth', 'can-i', '*', '*']).stdout.trim(), 'no');
  });

  test('exactly one holds the Lease; it serves the bundle, the other answers 503 NOT_LEADER', async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all([startReplica(`ctl-a-${tag}`), startReplica(`ctl-b-${tag}`)]);
    await until(
      'both replicas answer /readyz',
      async () => (await readyz(a)) !== undefined && (await readyz(b)) !== undefined,
      180_000,
    ).catch(fail);
    const id = await until('a Lease holder', holder, 120_000).catch(fail);
    console.log(`# ${id} acquired the Lease ${((Date.now() - t0) / 1000).toFixed(1)}s after both started`);
    assert.ok([a.id, b.id].includes(id), id);
    [leader, follower] = id === a.id ? [a, b] : [b, a];
    const served = await until(
      'the leader serves a bundle',
      async () => ((await bundle(leader)).status === 200 ? true : undefined),
      120_000,
    ).catch(fail);
    assert.ok(served);
    const f = await bundle(follower);
    assert.equal(f.status, 503, f.text);
    assert.match(f.text, /SM_ERR_CONTROLLER_NOT_LEADER/);
    assert.equal(await holder(), leader.id, 'the holder did not change while both ran');
    // Both are Ready as processes (a rollout progresses); only the leader says it leads.
    const detail = async (r: Replica) =>
      await (await fetch(`http://127.0.0.1:${r.metricsPort}/readyz?verbose`)).text();
    assert.equal(await readyz(follower), 200, await detail(follower));
  });

  test('a SemaPolicy becomes Ready; status and Events are written by the leader only', async () => {
    const ready = await applyPolicy('before-failover');
    const statusManagers = (ready.metadata.managedFields ?? [])
      .filter((m) => m.subresource === 'status')
      .map((m) => m.manager);
    assert.deepEqual(statusManagers, ['semamesh-controller']);
    const revision = ready.status?.compiledRevision ?? '';
    assert.match(revision, /^sha256-[0-9a-f]+$/);
    const res = await until(
      'the leader serves the Ready revision',
      async () => {
        const r = await bundle(leader);
        return r.status === 200 && manifestRevision(r.bytes) === revision ? r : undefined;
      },
      60_000,
    ).catch(fail);
    assert.equal(res.status, 200);
    // The field manager is shared by the replicas; the Events name the writing replica.
    const events = await until(
      'Events for before-failover',
      async () => {
        const ev = await c.api<{ items: { reportingInstance?: string; involvedObject: { name: string } }[] }>(
          'GET',
          `/api/v1/namespaces/${TEAM}/events`,
        );
        const mine = ev.body.items.filter((e) => e.involvedObject.name === 'before-failover');
        return mine.length > 0 ? mine : undefined;
      },
      30_000,
    ).catch(fail);
    assert.deepEqual([...new Set(events.map((e) => e.reportingInstance))], [leader.id]);
    assert.equal((await bundle(follower)).status, 503);
  });

  test('SIGKILL of the leader: the follower takes the Lease once it expires and serves new policy', async () => {
    const killed = leader;
    const t0 = Date.now();
    await stop(killed, 'SIGKILL');
    await until('the follower holds the Lease', async () => (await holder()) === follower.id, 120_000).catch(
      fail,
    );
    const took = (Date.now() - t0) / 1000;
    console.log(
      `# failover: ${follower.id} holds the Lease ${took.toFixed(1)}s after SIGKILL (lease ${LEASE_SECONDS}s, retry ${LEASE_SECONDS / 5}s)`,
    );
    const ready = await applyPolicy('after-failover');
    const revision = ready.status?.compiledRevision ?? '';
    const res = await until(
      'the new leader serves the post-failover revision',
      async () => {
        const r = await bundle(follower);
        return r.status === 200 && manifestRevision(r.bytes) === revision ? r : undefined;
      },
      60_000,
    ).catch(fail);
    console.log(`# failover: new policy served ${((Date.now() - t0) / 1000).toFixed(1)}s after SIGKILL`);
    assert.equal(res.status, 200);
    [leader, follower] = [follower, killed];
  });

  test('the killed process restarted stays a follower', async () => {
    const restarted = await startReplica(follower.id, {
      bundlePort: follower.bundlePort,
      metricsPort: follower.metricsPort,
    });
    await until(
      'the restarted replica answers /readyz',
      async () => (await readyz(restarted)) === 200,
      180_000,
    ).catch(fail);
    // Several retry periods and more than a lease duration: the live leader keeps renewing.
    const deadline = Date.now() + 2 * LEASE_SECONDS * 1000;
    while (Date.now() < deadline) {
      assert.equal(await holder(), leader.id);
      const r = await bundle(restarted);
      assert.equal(r.status, 503, r.text);
      assert.match(r.text, /SM_ERR_CONTROLLER_NOT_LEADER/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.equal((await bundle(leader)).status, 200);
    [follower] = [restarted];
  });

  test('a leader frozen (SIGSTOP) past its Lease is deposed, and stops serving when it wakes', async () => {
    const frozen = leader;
    frozen.proc.kill('SIGSTOP');
    let waiting: Promise<{ status: number; text: string }> | undefined;
    try {
      await until('the other replica holds the Lease', async () => (await holder()) === follower.id, 120_000);
      // A waypoint's request reaches the frozen process (the kernel queues it): the first thing it
      // handles when it wakes, deposed, must not be answered with its stale bundle.
      waiting = bundle(frozen);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      frozen.proc.kill('SIGCONT');
    }
    const first = await (waiting as Promise<{ status: number; text: string }>);
    assert.equal(first.status, 503, `a deposed leader served its stale bundle: ${first.status}`);
    await until('the new leader serves', async () => (await bundle(follower)).status === 200, 60_000).catch(
      fail,
    );
    // Its renew fails on the resourceVersion (or it sees another holder): it must stop serving.
    const r = await until(
      'the woken, deposed replica answers 503',
      async () => {
        const b = await bundle(frozen);
        return b.status === 503 ? b : undefined;
      },
      60_000,
    ).catch(fail);
    assert.match(r.text, /SM_ERR_CONTROLLER_NOT_LEADER/);
    assert.equal(await holder(), follower.id, 'the woken replica did not take the Lease back');
    [leader, follower] = [follower, frozen];
  });
});

describe("the node agent's ServiceAccount (impersonated) can do what the node agent calls", { skip }, () => {
  const can = (args: string[]) =>
    c.kubectl(['auth', 'can-i', ...args, `--as=system:serviceaccount:${NS}:semamesh-node`]).stdout.trim();

  test('watch and patch pods, record incidents and checkpoints', () => {
    for (const verb of ['get', 'list', 'watch', 'patch'])
      assert.equal(can([verb, 'pods', '-A']), 'yes', verb);
    assert.equal(can(['patch', 'semaincidents.semamesh.io', '--subresource=status', '-n', TEAM]), 'yes');
    assert.equal(can(['create', 'semaincidents.semamesh.io', '-n', TEAM]), 'yes');
    assert.equal(can(['create', 'nodes', '--subresource=checkpoint']), 'yes');
  });

  test('and nothing of the controller: no Lease, no SemaPolicy status, no Secrets, no pod deletes', () => {
    assert.equal(can(['patch', 'leases', '-n', NS]), 'no');
    assert.equal(can(['patch', 'semapolicies.semamesh.io', '--subresource=status', '-n', TEAM]), 'no');
    assert.equal(can(['get', 'secrets', '-n', NS]), 'no');
    assert.equal(can(['delete', 'pods', '-A']), 'no');
  });
});
