// PodInterception against the kube API test server, a fake kubepods tree in a temp directory and a
// recording fake Interceptor: which pods get attached, when they are detached, retries, self-skip.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AttachOptions } from '../bpf/src/index.js';
import { K8sClient, type KubeObject, matchesLabels } from '../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { type InterceptorLike, PodInterception, parseHosts, parseLabelSelector } from './interception.js';
import { parseNodeAgentArgs } from './node-agent.js';
import { waitFor } from './testing.js';

class FakeInterceptor implements InterceptorLike {
  attached = false;
  options: AttachOptions | undefined;
  cgroups = new Set<string>();
  failNext = 0;
  waypointCgroup: string | undefined;
  /** Cgroups "pinned" by a previous run that this instance adopted (attach with adopt). */
  adopted = new Set<string>();
  pruned: string[] = [];
  constructor(
    readonly all: FakeInterceptor[],
    readonly pins: Set<string> = new Set(),
  ) {
    all.push(this);
  }
  async attach(o: AttachOptions): Promise<void> {
    if (this.failNext-- > 0) throw new Error('attach failed (injected)');
    this.options = o;
    this.attached = true;
    this.waypointCgroup = o.waypointCgroupPath;
    if (o.adopt) for (const p of this.pins) this.adopted.add(p);
    if (o.cgroupPath !== undefined) this.attachCgroup(o.cgroupPath);
  }
  setWaypoint(_w: unknown, cg?: string): void {
    this.waypointCgroup = cg;
  }
  pruneAdopted(): number {
    this.pruned.push(...this.adopted);
    for (const p of this.adopted) this.pins.delete(p);
    const n = this.adopted.size;
    this.adopted.clear();
    return n;
  }
  adoption() {
    return { links: this.pins.size, replaced: 0, reusedMaps: [], defunct: 0 };
  }
  attachCgroup(p: string): void {
    this.adopted.delete(p);
    this.pins.add(p);
    this.cgroups.add(p);
  }
  detachCgroup(p: string): void {
    this.pins.delete(p);
    this.cgroups.delete(p);
  }
  async detach(): Promise<void> {
    this.attached = false;
    this.cgroups.clear();
  }
}

let api: KubeApiServer;
let client: K8sClient;
let root: string;

before(async () => {
  api = await startKubeApiServer({ namespaces: ['agents', 'semamesh-system'] });
  client = new K8sClient(api.kubeconfig);
  root = mkdtempSync(join(tmpdir(), 'sm-interception-'));
});
after(async () => {
  await api?.close();
  rmSync(root, { recursive: true, force: true });
});

const podRef = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });

async function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  options: { node?: string; phase?: string; cgroup?: boolean; containers?: Record<string, string> } = {},
): Promise<{ uid: string; cgroup: string }> {
  const p = await client.create<KubeObject>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: options.node ?? 'n1', containers: [{ name: 'main', image: 'x' }] },
  });
  const uid = p.metadata.uid as string;
  const cgroup = join(root, 'kubepods', 'besteffort', `pod${uid}`);
  if (options.cgroup !== false) mkdirSync(cgroup, { recursive: true });
  for (const id of Object.values(options.containers ?? {})) mkdirSync(join(cgroup, id), { recursive: true });
  await client.patchStatus(podRef(namespace, name), {
    phase: options.phase ?? 'Running',
    qosClass: 'BestEffort',
    containerStatuses: Object.entries(options.containers ?? {}).map(([n, id]) => ({
      name: n,
      containerID: `containerd://${id}`,
      state: { running: {} },
    })),
  });
  return { uid, cgroup };
}

function interception(extra: Partial<ConstructorParameters<typeof PodInterception>[0]> = {}) {
  const made: FakeInterceptor[] = [];
  const logs: string[] = [];
  const pi = new PodInterception({
    client,
    nodeName: 'n1',
    cgroupRoot: root,
    selector: 'semamesh.io/agent=true',
    waypoint: { ip: '10.0.0.9', port: 15001, tlsPort: 15443 },
    hosts: parseHosts('api.openai.com:443,10.1.2.3:8080', 15443),
    interceptor: () => new FakeInterceptor(made),
    retryMs: 20,
    log: (_l, msg, f) => logs.push(`${msg} ${JSON.stringify(f ?? {})}`),
    ...extra,
  });
  const live = () => made.find((m) => m.attached);
  return { pi, made, logs, live };
}

test('label selectors parse and match like the API server', () => {
  const r = parseLabelSelector('semamesh.io/agent=true, tier in (a, b),!legacy,env!=prod,team');
  assert.equal(matchesLabels(r, { 'semamesh.io/agent': 'true', tier: 'a', team: 'x' }), true);
  assert.equal(matchesLabels(r, { 'semamesh.io/agent': 'true', tier: 'c', team: 'x' }), false);
  assert.equal(matchesLabels(r, { 'semamesh.io/agent': 'true', tier: 'b', team: 'x', legacy: '' }), false);
  assert.equal(matchesLabels(r, { 'semamesh.io/agent': 'true', tier: 'b', team: 'x', env: 'prod' }), false);
  assert.equal(matchesLabels(r, { 'semamesh.io/agent': 'true', tier: 'b' }), false);
  assert.equal(matchesLabels(parseLabelSelector('x notin (y)'), undefined), true);
  assert.throws(() => parseLabelSelector('a=b,,c'), /SM_ERR_CONTROLLER_CONFIG|empty requirement/);
  assert.throws(() => parseLabelSelector('a b=c'), /invalid --agent-selector/);
  assert.throws(() => parseLabelSelector(''), /invalid --agent-selector/);
});

test('--hosts: :443 goes to the TLS port, others to the plain one; bad entries are config errors', () => {
  assert.deepEqual(parseHosts('api.openai.com:443, [::1]:8443,127.0.0.2:80', 15443), [
    { host: 'api.openai.com', port: 443, waypointPort: 15443 },
    { host: '::1', port: 8443 },
    { host: '127.0.0.2', port: 80 },
  ]);
  assert.deepEqual(parseHosts('a:443'), [{ host: 'a', port: 443 }]);
  for (const bad of ['api.openai.com', 'a:0', 'a:99999', ',', 'http://a:443'])
    assert.throws(
      () => parseHosts(bad),
      (e: Error & { code?: string }) => e.code === 'SM_ERR_CONTROLLER_CONFIG',
    );
});

test('node agent flags: interception is off without --waypoint-ip and fully configured with it', async () => {
  const off = await parseNodeAgentArgs(['--node-name', 'n1']);
  assert.equal(off.interception, undefined);
  const on = await parseNodeAgentArgs([
    '--node-name=n1',
    '--pod-uid=u-1',
    '--waypoint-container=waypoint',
    '--waypoint-ip=10.0.0.9',
    '--waypoint-port=15001',
    '--waypoint-tls-port=15443',
    '--hosts=api.openai.com:443,api.anthropic.com:443',
    '--agent-selector=semamesh.io/agent=true',
    '--bpf-pin-path=/sys/fs/bpf/semamesh',
  ]);
  assert.deepEqual(on.interception, {
    podUid: 'u-1',
    waypointContainer: 'waypoint',
    waypoint: { ip: '10.0.0.9', port: 15001, tlsPort: 15443 },
    hosts: [
      { host: 'api.openai.com', port: 443, waypointPort: 15443 },
      { host: 'api.anthropic.com', port: 443, waypointPort: 15443 },
    ],
    selector: 'semamesh.io/agent=true',
    pinPath: '/sys/fs/bpf/semamesh',
  });
  await assert.rejects(parseNodeAgentArgs(['--node-name=n1', '--waypoint-ip=nope']), /IPv4/);
  await assert.rejects(
    parseNodeAgentArgs(['--node-name=n1', '--waypoint-ip=10.0.0.9', '--agent-selector=a b']),
    /agent-selector/,
  );
});

test('attaches matching Running pods at the pod cgroup, skips the rest, detaches on label removal and deletion', async () => {
  const ns = 'agents';
  const tag = randomBytes(2).toString('hex');
  const self = await pod(
    'semamesh-system',
    `node-${tag}`,
    { 'semamesh.io/agent': 'true' },
    {
      containers: { waypoint: 'a'.repeat(64) },
    },
  );
  const a = await pod(ns, `a-${tag}`, { 'semamesh.io/agent': 'true' });
  await pod(ns, `plain-${tag}`, {});
  await pod(ns, `pending-${tag}`, { 'semamesh.io/agent': 'true' }, { phase: 'Pending' });
  await pod(ns, `other-node-${tag}`, { 'semamesh.io/agent': 'true' }, { node: 'n2' });
  const { pi, live, made } = interception({
    podUid: self.uid,
    waypointContainer: 'waypoint',
    pinPath: '/sys/fs/bpf/x',
    hasPins: () => false,
  });
  await pi.start();
  try {
    assert.deepEqual([...pi.attached().keys()], [a.uid]);
    const ic = live();
    assert.ok(ic);
    assert.equal(ic.options?.cgroupPath, a.cgroup);
    assert.equal(ic.options?.waypointCgroupPath, join(self.cgroup, 'a'.repeat(64)));
    assert.deepEqual(ic.options?.waypoint, { ip: '10.0.0.9', port: 15001 });
    assert.equal(ic.options?.pinPath, '/sys/fs/bpf/x');
    assert.deepEqual(ic.options?.hosts, [
      { host: 'api.openai.com', port: 443, waypointPort: 15443 },
      { host: '10.1.2.3', port: 8080 },
    ]);

    const b = await pod(ns, `b-${tag}`, { 'semamesh.io/agent': 'true' });
    await waitFor('b attached', () => ic.cgroups.has(b.cgroup));
    assert.deepEqual([...ic.cgroups].sort(), [a.cgroup, b.cgroup].sort());

    await client.mergePatch(podRef(ns, `a-${tag}`), { metadata: { labels: { 'semamesh.io/agent': null } } });
    await waitFor('a detached', () => !ic.cgroups.has(a.cgroup));
    await client.delete(podRef(ns, `b-${tag}`));
    await waitFor('b detached', () => !ic.cgroups.has(b.cgroup));
    assert.equal(pi.attached().size, 0);

    const c = await pod(ns, `c-${tag}`, { 'semamesh.io/agent': 'true' });
    await waitFor('c attached', () => ic.cgroups.has(c.cgroup));
    mkdirSync(join(self.cgroup, 'b'.repeat(64)));
    await client.patchStatus(podRef('semamesh-system', `node-${tag}`), {
      containerStatuses: [
        { name: 'waypoint', containerID: `containerd://${'b'.repeat(64)}`, state: { running: {} } },
      ],
    });
    // A restarted waypoint container: getsockopt moves, the agents' links stay (no gap).
    await waitFor('getsockopt moved', () => ic.waypointCgroup === join(self.cgroup, 'b'.repeat(64)));
    assert.equal(made.length, 1);
    assert.equal(ic.attached, true);
    assert.deepEqual([...ic.cgroups], [c.cgroup]);
  } finally {
    await pi.stop();
  }
  assert.equal(live(), undefined, 'stop() detaches everything');
});

test('a pod whose cgroup is missing, or whose attach fails, is retried without blocking the others', async () => {
  const ns = 'agents';
  const tag = randomBytes(2).toString('hex');
  const late = await pod(ns, `late-${tag}`, { 'semamesh.io/agent': 'true' }, { cgroup: false });
  const { pi, live, logs, made } = interception({ selector: `run=${tag}` });
  await client.mergePatch(podRef(ns, `late-${tag}`), { metadata: { labels: { run: tag } } });
  await pi.start();
  try {
    await waitFor('a failure logged', () => logs.some((l) => l.includes('retrying') && l.includes(late.uid)));
    assert.equal(pi.attached().size, 0);
    mkdirSync(late.cgroup, { recursive: true });
    await waitFor('attached once the cgroup exists', () => live()?.cgroups.has(late.cgroup));
    await client.delete(podRef(ns, `late-${tag}`));
    await waitFor('detached', () => pi.attached().size === 0);
  } finally {
    await pi.stop();
  }
  // The first Interceptor's attach fails once: the pod is retried and attached with a new one.
  const made2: FakeInterceptor[] = [];
  const p = await pod(ns, `f-${tag}`, { run: `${tag}-f` });
  const pi2 = new PodInterception({
    client,
    nodeName: 'n1',
    cgroupRoot: root,
    selector: `run=${tag}-f`,
    waypoint: { ip: '10.0.0.9', port: 15001 },
    hosts: [],
    retryMs: 20,
    interceptor: () => {
      const f = new FakeInterceptor(made2);
      if (made2.length === 1) f.failNext = 1;
      return f;
    },
  });
  await pi2.start();
  try {
    await waitFor('attached on retry', () => pi2.attached().has(p.uid));
    assert.equal(made2.length, 2);
    assert.equal(made2[0].attached, false);
    assert.equal(made.length, 1);
  } finally {
    await pi2.stop();
  }
});

test('pods wait for the waypoint container and attach as soon as it runs, not after their backoff', async () => {
  const tag = randomBytes(2).toString('hex');
  const self = await pod('semamesh-system', `node-w-${tag}`, {});
  const a = await pod('agents', `w-${tag}`, { run: `${tag}-w` });
  const { pi, live, logs } = interception({
    selector: `run=${tag}-w`,
    podUid: self.uid,
    waypointContainer: 'waypoint',
    retryMs: 60_000,
  });
  await pi.start();
  try {
    assert.equal(pi.attached().size, 0);
    assert.ok(logs.some((l) => l.includes("waypoint's cgroup") && l.includes('retrying')));
    const id = 'c'.repeat(64);
    mkdirSync(join(self.cgroup, id));
    await client.patchStatus(podRef('semamesh-system', `node-w-${tag}`), {
      containerStatuses: [{ name: 'waypoint', containerID: `containerd://${id}`, state: { running: {} } }],
    });
    await waitFor('attached once the waypoint runs', () => live()?.cgroups.has(a.cgroup));
    assert.equal(live()?.options?.waypointCgroupPath, join(self.cgroup, id));
  } finally {
    await pi.stop();
  }
});

test('a previous run’s pins are adopted before any decision; links of gone pods are pruned only once every wanted pod is attached', async () => {
  const ns = 'agents';
  const tag = randomBytes(2).toString('hex');
  const kept = await pod(ns, `kept-${tag}`, { run: tag });
  const late = await pod(ns, `late-${tag}`, { run: tag }, { cgroup: false });
  const gone = join(root, 'kubepods', 'besteffort', `pod-gone-${tag}`);
  // What the killed node agent left pinned: the kept pod, the late one, and a pod deleted since.
  const pins = new Set([kept.cgroup, late.cgroup, gone]);
  const made: FakeInterceptor[] = [];
  const { pi, logs } = interception({
    selector: `run=${tag}`,
    pinPath: '/sys/fs/bpf/y',
    hasPins: () => true,
    interceptor: () => new FakeInterceptor(made, pins),
  });
  await pi.start();
  try {
    const ic = made[0];
    assert.equal(made.length, 1);
    assert.equal(ic.options?.adopt, true);
    assert.equal(ic.options?.cgroupPath, undefined, 'adopted before any pod was decided');
    assert.ok(ic.cgroups.has(kept.cgroup));
    // The late pod's cgroup is not found yet: nothing is pruned, the gone pod stays redirected.
    await waitFor('late retried', () => logs.some((l) => l.includes('retrying') && l.includes(late.uid)));
    assert.deepEqual(ic.pruned, []);
    assert.ok(pins.has(gone));
    mkdirSync(late.cgroup, { recursive: true });
    await waitFor('pruned once all wanted pods are attached', () => ic.pruned.length > 0);
    assert.deepEqual(ic.pruned, [gone]);
    assert.deepEqual([...pins].sort(), [kept.cgroup, late.cgroup].sort());
  } finally {
    await pi.stop({ keepPinned: true });
  }
});
