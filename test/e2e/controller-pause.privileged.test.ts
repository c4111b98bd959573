// The pause flow end to end, as root with real cgroups: the waypoint's PauseReporter opens an
// incident and annotates the pod → the node agent freezes the pod's real cgroup (a live child
// process in it) and records the checkpoint from a fake kubelet → `kubectl sema approve` thaws;
// a second pause → `kubectl sema terminate` deletes the pod and the processes die frozen.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runKubectlSema } from '../../cli/kubectl-sema/program.js';
import { type RunningController, startController } from '../../controller/main.js';
import { type RunningNodeAgent, startNodeAgent } from '../../controller/node-agent.js';
import { findCgroupMounts } from '../../controller/pause/index.js';
import { testPki } from '../../controller/pause/testing.js';
import {
  ClusterPauseReporter,
  type IncidentObject,
  incidentRef,
} from '../../controller/reconcilers/index.js';
import { testControllerConfig, waitFor } from '../../controller/testing.js';
import { K8sClient, type KubeObject } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-pause-e2e-'));
const pki = testPki(dir);
const pem = pki.pem;

function mintCerts(): void {
  pki.ca('ca', 'kubelet-ca');
  pki.leaf('ca', 'server', 'node-1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  pki.leaf('ca', 'client', 'system:node-agent', 'extendedKeyUsage=clientAuth');
}

let api: KubeApiServer;
let client: K8sClient;
let ctl: RunningController;
let agent: RunningNodeAgent;
let kubelet: Server;
let cgroupRoot = '';
const checkpoints: string[] = [];
const children: ChildProcess[] = [];
const kubeconfigArgs = () => ['--kubeconfig', api.kubeconfigPath];
const quiet = () => {};

function nodeAgent(): Promise<RunningNodeAgent> {
  return startNodeAgent(
    {
      nodeName: 'node-1',
      cgroupRoot,
      kubelet: {
        host: '127.0.0.1',
        port: (kubelet.address() as { port: number }).port,
        ca: pem('ca.crt'),
        cert: pem('client.crt'),
        key: pem('client.key'),
      },
      healthHost: '127.0.0.1',
      healthPort: 0,
    },
    { client: new K8sClient(api.kubeconfig), log: quiet },
  );
}

before(async () => {
  mintCerts();
  kubelet = createServer(
    {
      key: pem('server.key'),
      cert: pem('server.crt'),
      ca: pem('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const m = /^\/checkpoint\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) return void res.writeHead(404).end('not found');
      const path = `/var/lib/kubelet/checkpoints/checkpoint-${m[2]}_${m[1]}-${m[3]}-2026-11-27T08:00:00Z.tar`;
      checkpoints.push(path);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [path] }));
    },
  );
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', () => r()));
  const v2 = (await findCgroupMounts()).v2;
  assert.ok(v2, 'needs a cgroup2 mount');
  cgroupRoot = join(v2, `sm-e2e-${randomBytes(3).toString('hex')}`);
  mkdirSync(cgroupRoot);
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system', 'agents'] });
  client = new K8sClient(api.kubeconfig);
  ctl = await startController(testControllerConfig(), { client, log: quiet });
  agent = await nodeAgent();
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await agent?.close();
  await ctl?.close();
  await api?.close();
  kubelet?.close();
  // Thaw and remove what the test created, deepest first.
  const rm = (p: string) => {
    try {
      writeFileSync(join(p, 'cgroup.freeze'), '0');
    } catch {}
    for (const e of execFileSync('find', [p, '-mindepth', '1', '-maxdepth', '1', '-type', 'd'])
      .toString()
      .split('\n')
      .filter(Boolean))
      rm(e);
    try {
      rmdirSync(p);
    } catch {}
  };
  if (cgroupRoot) {
    await new Promise((r) => setTimeout(r, 100));
    rm(cgroupRoot);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A pod on node-1 whose container cgroup (cgroupfs layout) holds a live child process. */
async function agentPod(name: string): Promise<{ pod: KubeObject; child: ChildProcess; cgroup: string }> {
  const pod = await client.create<KubeObject>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'agents' },
    spec: {
      nodeName: 'node-1',
      serviceAccountName: 'agent',
      containers: [{ name: 'main', image: 'agent:1' }],
    },
  });
  // BestEffort (no resources): the kubelet's cgroupfs layout puts it under kubepods/besteffort.
  const cgroup = join(
    cgroupRoot,
    'kubepods',
    'besteffort',
    `pod${pod.metadata.uid}`,
    randomBytes(32).toString('hex'),
  );
  mkdirSync(cgroup, { recursive: true });
  const child = spawn('sh', ['-c', 'while :; do sleep 0.05; done'], { stdio: 'ignore' });
  children.push(child);
  writeFileSync(join(cgroup, 'cgroup.procs'), String(child.pid));
  return { pod, child, cgroup };
}

const frozen = (cgroup: string) => /^frozen 1$/m.test(readFileSync(join(cgroup, 'cgroup.events'), 'utf8'));
const digest = (s: string) => createHash('sha256').update(s).digest('hex');
const incident = (name: string) => client.get<IncidentObject>(incidentRef('agents', name));

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runKubectlSema([...args, ...kubeconfigArgs()], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

test('PAUSE → incident + annotation → frozen with kubelet checkpoint → kubectl sema approve thaws', async () => {
  const { child, cgroup } = await agentPod('agent-0');
  const reporter = new ClusterPauseReporter(new K8sClient(api.kubeconfig));
  const report = {
    agent: { namespace: 'agents', pod: 'agent-0', serviceAccount: 'agent', labels: {}, cgroup: '' },
    rule: 'agents/no-db/no-db-deletes',
    reason: 'destructive database operation needs a human',
    requestDigest: digest('{"messages":[{"role":"user","content":"drop the prod db"}]}'),
  };
  // A burst of reports for the same pod opens one incident.
  await Promise.all([reporter.report(report), reporter.report(report)]);
  const incidents = await client.list<IncidentObject>(
    { apiVersion: 'semamesh.io/v1alpha1', kind: 'SemaIncident' },
    { namespace: 'agents' },
  );
  assert.equal(incidents.length, 1);
  const name = incidents[0].metadata.name;
  assert.equal(incidents[0].spec.policy, 'agents/no-db');
  assert.equal(incidents[0].spec.rule, 'no-db-deletes');
  assert.equal(incidents[0].spec.requestDigest, report.requestDigest);
  assert.ok(!JSON.stringify(incidents[0]).includes('prod db'), 'no prompt text in the incident');
  const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'agents', name: 'agent-0' });
  assert.equal(pod.metadata.annotations?.['semamesh.io/action'], 'PAUSE');
  assert.equal(pod.metadata.annotations?.['semamesh.io/incident'], name);
  assert.equal(incidents[0].metadata.annotations?.['semamesh.io/pod-uid'], pod.metadata.uid);

  const paused = await waitFor('Paused', async () => {
    const i = await incident(name);
    return i.status?.phase === 'Paused' &&
      i.status.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Paused')
      ? i
      : undefined;
  });
  assert.equal(frozen(cgroup), true);
  assert.equal(paused.status?.checkpoint?.method, 'kubelet');
  assert.equal(paused.status?.checkpoint?.path, checkpoints[0]);
  assert.match(checkpoints[0], /checkpoint-agent-0_agents-main-/);

  const listed = await kubectl('list', '-n', 'agents');
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^NAME\s+AGE\s+AGENT\s+RULE\s+STATE$/m);
  assert.match(
    listed.out,
    new RegExp(`^${name}\\s+\\d+s\\s+agents/agent-0\\s+agents/no-db/no-db-deletes\\s+Paused$`, 'm'),
  );
  const shown = await kubectl('show', name, '-n', 'agents');
  assert.match(shown.out, /Checkpoint:\s+kubelet/);
  assert.ok(shown.out.includes(checkpoints[0]));

  const approved = await kubectl('approve', name, '-n', 'agents');
  assert.equal(approved.code, 0, approved.err);
  await waitFor('thawed', () => !frozen(cgroup));
  const done = await waitFor('Approved + Ready', async () => {
    const i = await incident(name);
    return i.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Approved') ? i : undefined;
  });
  assert.equal(done.status?.phase, 'Approved');
  assert.equal(done.status?.decidedBy, 'semamesh-test');
  assert.match(done.status?.decidedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const after = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'agents', name: 'agent-0' });
  assert.equal(after.metadata.annotations?.['semamesh.io/action'], undefined);
  assert.equal(child.exitCode, null, 'the approved agent keeps running');
  // Approving twice is refused with a clear error.
  const again = await kubectl('approve', name, '-n', 'agents');
  assert.equal(again.code, 1);
  assert.match(again.err, /it is Approved \[SM_ERR_CONTROLLER_INCIDENT_STATE\]/);
});

test('terminate deletes the pod, kills the frozen processes, keeps the evidence', async () => {
  const { child, cgroup } = await agentPod('agent-1');
  const reporter = new ClusterPauseReporter(new K8sClient(api.kubeconfig));
  await reporter.report({
    agent: { namespace: 'agents', pod: 'agent-1', serviceAccount: 'agent', labels: {}, cgroup: '' },
    rule: 'agents/no-db/no-db-deletes',
    reason: 'loop detected',
    requestDigest: digest('x'),
  });
  const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'agents', name: 'agent-1' });
  const name = pod.metadata.annotations?.['semamesh.io/incident'] as string;
  await waitFor('Paused', async () => (await incident(name)).status?.phase === 'Paused');
  assert.equal(frozen(cgroup), true);
  const exited = new Promise<string | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );

  const r = await kubectl('terminate', name, '-n', 'agents');
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /terminated by semamesh-test: pod agents\/agent-1 deleted; evidence kept at \/var\/lib\/kubelet/,
  );
  assert.equal(await exited, 'SIGKILL');
  assert.equal(
    await client.find({ apiVersion: 'v1', kind: 'Pod', namespace: 'agents', name: 'agent-1' }),
    undefined,
  );
  const i = await waitFor('Terminated + Ready', async () => {
    const x = await incident(name);
    return x.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Terminated') ? x : undefined;
  });
  assert.equal(i.status?.phase, 'Terminated');
  assert.match(i.status?.checkpoint?.path ?? '', /checkpoint-agent-1_agents-main-/);
  assert.equal(i.status?.decidedBy, 'semamesh-test');
});

test('a restarted node agent takes a paused pod back (no second checkpoint) and thaws it on approve', async () => {
  const { cgroup } = await agentPod('agent-2');
  await new ClusterPauseReporter(new K8sClient(api.kubeconfig)).report({
    agent: { namespace: 'agents', pod: 'agent-2' },
    rule: 'agents/no-db/no-db-deletes',
    reason: 'restart test',
    requestDigest: digest('restart'),
  });
  const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'agents', name: 'agent-2' });
  const name = pod.metadata.annotations?.['semamesh.io/incident'] as string;
  await waitFor('Paused', async () => (await incident(name)).status?.phase === 'Paused');
  const taken = checkpoints.length;
  await agent.close();
  agent = await nodeAgent();
  await waitFor('the new agent holds the pod', async () => {
    const frozenPods = (await (await fetch(`${agent.healthUrl}/frozen`)).json()) as Record<string, string[]>;
    return frozenPods[pod.metadata.uid as string]?.[0] === cgroup;
  });
  assert.equal(checkpoints.length, taken, 'the evidence exists: no second checkpoint');
  assert.equal(frozen(cgroup), true);
  const r = await kubectl('approve', name, '-n', 'agents');
  assert.equal(r.code, 0, r.err);
  await waitFor('thawed by the new agent', () => !frozen(cgroup));
});
