// `kubectl sema` against the in-process API server: -o name and -o jsonpath=… as kubectl prints
// them, a bad -o refused before an approve does anything, and a clear error without a kubeconfig.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runKubectlSema } from '../../cli/kubectl-sema/program.js';
import { K8sClient } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

let api: KubeApiServer;

before(async () => {
  api = await startKubeApiServer({ crds: true, namespaces: ['team-a'] });
  const client = new K8sClient(api.kubeconfig);
  for (const name of ['guard', 'budget-guard'])
    await client.create({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name, namespace: 'team-a' },
      spec: { rules: [{ name: 'r', intentMatches: ['drop database'], riskLevel: 'High', action: 'BLOCK' }] },
    });
});
after(async () => {
  await api?.close();
});

async function k(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runKubectlSema([...args, '--kubeconfig', api.kubeconfigPath], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

test('-o name prints resource/name lines', async () => {
  const r = await k('policies', '-n', 'team-a', '-o', 'name');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'semapolicy.semamesh.io/budget-guard\nsemapolicy.semamesh.io/guard\n');
});

test('-o jsonpath= evaluates kubectl templates', async () => {
  const r = await k('policies', '-n', 'team-a', '-o', 'jsonpath={.items[*].metadata.name}{"\\n"}');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'budget-guard guard\n');
  const range = await k('policies', '-n', 'team-a', '-o', 'jsonpath={range .items[*]}{end}');
  assert.equal(range.code, 1);
  assert.match(range.err, /\{range\} is not supported.*SM_ERR_CONTROLLER_KUBECTL/);
});

test('an unknown -o fails before anything happens', async () => {
  const r = await k('approve', 'whatever', '-n', 'team-a', '-o', 'xml');
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown output format "xml"/);
});

test('without a kubeconfig the error says so', async () => {
  const saved = {
    KUBECONFIG: process.env.KUBECONFIG,
    HOME: process.env.HOME,
    SVC: process.env.KUBERNETES_SERVICE_HOST,
  };
  process.env.KUBECONFIG = '';
  process.env.HOME = '/nonexistent-home';
  delete process.env.KUBERNETES_SERVICE_HOST;
  try {
    let err = '';
    const code = await runKubectlSema(['list'], { out: () => {}, err: (t) => (err += t) });
    assert.equal(code, 1);
    assert.match(err, /no kubeconfig found .*set KUBECONFIG, pass --kubeconfig/);
  } finally {
    for (const [key, v] of [
      ['KUBECONFIG', saved.KUBECONFIG],
      ['HOME', saved.HOME],
      ['KUBERNETES_SERVICE_HOST', saved.SVC],
    ] as const)
      if (v === undefined) delete process.env[key];
      else process.env[key] = v;
  }
});
