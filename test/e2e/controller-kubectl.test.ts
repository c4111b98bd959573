// `kubectl sema list | show | approve | terminate | policies` run in-process against the test API
// server through a kubeconfig file: tables, -o json|yaml, namespaces, and the errors a user sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { runKubectlSema } from '../../cli/kubectl-sema/program.js';
import { type RunningController, startController } from '../../controller/main.js';
import { testControllerConfig, waitFor } from '../../controller/testing.js';
import { K8sClient, type KubeObject } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

let api: KubeApiServer;
let client: K8sClient;
let ctl: RunningController;
const dir = mkdtempSync(join(tmpdir(), 'sm-kubectl-'));
const DIGEST = 'a'.repeat(64);

async function kubectl(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runKubectlSema(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
const k = (...args: string[]) => kubectl(...args, '--kubeconfig', api.kubeconfigPath);

function incident(ns: string, name: string, pod: string, phase: string, detectedAt: string): KubeObject {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    metadata: { name, namespace: ns },
    spec: {
      agent: { namespace: ns, pod, serviceAccount: 'agent' },
      policy: `${ns}/guard`,
      rule: 'no-deletes',
      reason: 'delete:database matched',
      action: 'PAUSE',
      detectedAt,
      requestDigest: DIGEST,
    },
    status: { phase, checkpoint: { method: 'kubelet', path: `/var/lib/kubelet/checkpoints/${pod}.tar` } },
  };
}

async function seedIncident(obj: KubeObject) {
  const status = obj.status;
  await client.create({ ...obj, status: undefined });
  await client.patchStatus(
    {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    },
    status,
  );
}

async function seedPod(ns: string, name: string, incidentName: string) {
  await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      annotations: { 'semamesh.io/action': 'PAUSE', 'semamesh.io/incident': incidentName },
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'agent:1' }] },
  });
}

before(async () => {
  api = await startKubeApiServer({
    crds: true,
    namespaces: ['semamesh-system', 'team-a', 'team-b'],
    contextNamespace: 'team-a',
  });
  client = new K8sClient(api.kubeconfig);
  ctl = await startController(testControllerConfig(), {
    client: new K8sClient(api.kubeconfig),
    log: () => {},
  });
  const now = Date.now();
  await seedIncident(
    incident(
      'team-a',
      'inc-old',
      'agent-0',
      'Paused',
      new Date(now - 3 * 3600_000).toISOString().slice(0, 19) + 'Z',
    ),
  );
  await seedIncident(
    incident(
      'team-a',
      'inc-new',
      'agent-1',
      'Paused',
      new Date(now - 30_000).toISOString().slice(0, 19) + 'Z',
    ),
  );
  await seedIncident(
    incident(
      'team-b',
      'inc-b',
      'agent-9',
      'Paused',
      new Date(now - 5 * 60_000).toISOString().slice(0, 19) + 'Z',
    ),
  );
  await seedPod('team-a', 'agent-0', 'inc-old');
  await seedPod('team-a', 'agent-1', 'inc-new');
  await client.create({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'guard', namespace: 'team-a' },
    spec: {
      rules: [
        {
          name: 'no-deletes',
          intentMatches: ['drop database', 'delete namespace'],
          action: 'PAUSE',
          riskLevel: 'Critical',
        },
      ],
    },
  });
  await client.create({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'broken', namespace: 'team-a' },
    spec: {
      rules: [{ name: 'r', intentMatches: ['drop database'], action: 'BLOCK', riskLevel: 'Low' }],
      rego: 'package x\n\np := {\n',
    },
  });
});

after(async () => {
  await ctl.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

test('list: the context namespace by default, newest first, kubectl-style columns', async () => {
  const r = await k('list');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^NAME\s+AGE\s+AGENT\s+RULE\s+STATE$/);
  assert.match(lines[1], /^inc-new\s+\d+s\s+team-a\/agent-1\s+team-a\/guard\/no-deletes\s+Paused$/);
  assert.match(lines[2], /^inc-old\s+3h\s+team-a\/agent-0\s+team-a\/guard\/no-deletes\s+Paused$/);
  assert.equal(lines.length, 3);
  const all = await k('list', '-A');
  assert.match(all.out, /^NAMESPACE\s+NAME\s+AGE/);
  assert.match(all.out, /^team-b\s+inc-b\s+5m\s+team-b\/agent-9/m);
  const none = await k('list', '-n', 'semamesh-system');
  assert.equal(none.code, 0);
  assert.equal(none.out, '');
  assert.match(none.err, /No incidents found in semamesh-system namespace/);
});

test('list and show with -o json and -o yaml', async () => {
  const json = JSON.parse((await k('list', '-o', 'json')).out);
  assert.equal(json.kind, 'List');
  assert.deepEqual(
    json.items.map((i: KubeObject) => i.metadata.name),
    ['inc-new', 'inc-old'],
  );
  assert.equal(json.items[0].metadata.managedFields, undefined);
  const y = parse((await k('show', 'inc-b', '-n', 'team-b', '-o', 'yaml')).out);
  assert.equal(y.kind, 'SemaIncident');
  assert.equal(y.spec.requestDigest, DIGEST);
  const bad = await k('list', '-o', 'xml');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown output format "xml".*\[SM_ERR_CONTROLLER_KUBECTL\]/);
});

test('show: details, evidence and how to decide', async () => {
  const r = await k('show', 'inc-old');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Name:\s+inc-old$/m);
  assert.match(r.out, /^State:\s+Paused$/m);
  assert.match(r.out, /^Rule:\s+no-deletes$/m);
  assert.match(r.out, /^ {2}Path:\s+\/var\/lib\/kubelet\/checkpoints\/agent-0\.tar$/m);
  assert.match(r.out, new RegExp(`^Request digest:\\s+sha256:${DIGEST}$`, 'm'));
  assert.match(r.out, /kubectl sema approve inc-old -n team-a/);
  // -A finds it by name across namespaces.
  assert.equal((await k('show', 'inc-b', '-A')).code, 0);
});

test('approve: phase, who and when; the pod annotation is cleared', async () => {
  const r = await k('approve', 'inc-old');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /approved by semamesh-test/);
  const i = await client.get({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    namespace: 'team-a',
    name: 'inc-old',
  });
  const st = i.status as {
    phase: string;
    decidedBy: string;
    decidedAt: string;
    checkpoint: { path: string };
  };
  assert.equal(st.phase, 'Approved');
  assert.equal(st.decidedBy, 'semamesh-test');
  assert.ok(Math.abs(Date.parse(st.decidedAt) - Date.now()) < 60_000);
  assert.equal(st.checkpoint.path, '/var/lib/kubelet/checkpoints/agent-0.tar');
  const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'agent-0' });
  assert.equal(pod.metadata.annotations?.['semamesh.io/action'], undefined);
  assert.equal(pod.metadata.annotations?.['semamesh.io/incident'], undefined);
  // The controller's incident reconciler reports it.
  await waitFor('Ready=Approved', async () => {
    const x = await client.get({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaIncident',
      namespace: 'team-a',
      name: 'inc-old',
    });
    return (x.status as { conditions?: { type: string; reason: string }[] }).conditions?.some(
      (c) => c.type === 'Ready' && c.reason === 'Approved',
    );
  });
});

test('terminate: pod deleted, incident and evidence kept', async () => {
  const r = await k('terminate', 'inc-new', '-o', 'json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).status.phase, 'Terminated');
  assert.equal(
    await client.find({ apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'agent-1' }),
    undefined,
  );
  const shown = await k('show', 'inc-new');
  assert.match(shown.out, /^State:\s+Terminated$/m);
  assert.match(shown.out, /^Decided by:\s+semamesh-test$/m);
  assert.match(shown.out, /agent-1\.tar/);
  const again = await k('terminate', 'inc-new');
  assert.equal(again.code, 1);
  assert.match(again.err, /cannot terminate incident team-a\/inc-new: it is Terminated/);
});

test('a decision never touches a newer pod that reuses the name', async () => {
  await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'agent-5',
      namespace: 'team-a',
      annotations: { 'semamesh.io/action': 'PAUSE', 'semamesh.io/incident': 'inc-later' },
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'agent:1' }] },
  });
  const old = incident(
    'team-a',
    'inc-stale',
    'agent-5',
    'Paused',
    new Date().toISOString().slice(0, 19) + 'Z',
  );
  old.metadata.annotations = { 'semamesh.io/pod-uid': 'uid-of-a-pod-long-gone' };
  await seedIncident(old);
  const approve = await k('approve', 'inc-stale');
  assert.equal(approve.code, 0, approve.err);
  const terminate = await k('terminate', 'inc-stale');
  assert.equal(terminate.code, 0, terminate.err);
  const pod = await client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'team-a', name: 'agent-5' });
  assert.equal(
    pod.metadata.annotations?.['semamesh.io/action'],
    'PAUSE',
    'the newer pod keeps its own pause',
  );
});

test('policies: READY, RULES, AGE, MESSAGE with the diagnostic of a broken policy', async () => {
  const r = await waitFor('both reconciled', async () => {
    const x = await k('policies');
    return /^broken\s+False/m.test(x.out) && /^guard\s+True/m.test(x.out) ? x : undefined;
  });
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^NAME\s+READY\s+RULES\s+AGE\s+MESSAGE$/);
  assert.match(
    lines[1],
    /^broken\s+False\s+1\s+\d+s\s+custom\/team-a\/broken\.rego:\d+:\d+: rego_parse_error: /,
  );
  assert.match(lines[2], /^guard\s+True\s+1\s+\d+s\s+1 rule compiled into bundle sha256-/);
  const json = JSON.parse((await k('policies', '-o', 'json')).out);
  assert.equal(json.items.length, 2);
});

test('errors: not found, no cluster, unreachable cluster, forbidden', async () => {
  const nf = await k('show', 'nope');
  assert.equal(nf.code, 1);
  assert.match(nf.err, /^error: semaincident "nope" not found in namespace "team-a"/);
  const nf2 = await k('approve', 'nope', '-A');
  assert.match(nf2.err, /not found in any namespace/);

  const noCfg = await kubectl('list', '--kubeconfig', join(dir, 'missing'));
  assert.equal(noCfg.code, 1);
  assert.match(noCfg.err, /^error: no cluster to talk to: .*\[SM_ERR_K8S_CONFIG\]/);

  const down = join(dir, 'down.yaml');
  writeFileSync(down, api.kubeconfigYaml.replace(api.url, 'http://127.0.0.1:1'));
  const unreachable = await kubectl('list', '--kubeconfig', down);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /^error: cannot reach the cluster: .*\[SM_ERR_K8S_UNAVAILABLE\]/);

  const locked = await startKubeApiServer({ crds: true, token: 'right' });
  try {
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, locked.kubeconfigYaml.replace('token: right', 'token: wrong'));
    const denied = await kubectl('list', '--kubeconfig', wrong);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /^error: forbidden: .*\[SM_ERR_K8S_FORBIDDEN\]/);
  } finally {
    await locked.close();
  }
  const noCrds = await startKubeApiServer({});
  try {
    const r = await kubectl('list', '--kubeconfig', noCrds.kubeconfigPath);
    assert.match(r.err, /are the CRDs installed\?/);
  } finally {
    await noCrds.close();
  }
});

test('over HTTPS with the CA from the kubeconfig, and a --context other than the current one', async () => {
  const secure = await startKubeApiServer({ crds: true, tls: true, namespaces: ['team-a'] });
  try {
    const file = join(dir, 'tls.yaml');
    // Rename the context so only --context picks it.
    writeFileSync(file, secure.kubeconfigYaml.replace(/current-context: .*/, 'current-context: nowhere'));
    const r = await kubectl('policies', '-n', 'team-a', '--kubeconfig', file, '--context', 'semamesh-test');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /No policies found in team-a namespace/);
  } finally {
    await secure.close();
  }
});
