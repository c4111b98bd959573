// Tests the Kubernetes layer against the in-repo API server through the real client library:
// CRUD, server-side apply ownership, the status subresource, Events, informers and error codes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import { EventRecorder } from './events.js';
import { watchKind } from './informer.js';
import type { KubeObject } from './types.js';
import { CORE_KINDS, SEMAMESH_KINDS, type SecretObject, secretValues } from './types.js';

let server: KubeApiServer;
let client: K8sClient;

const policy = (name: string, message: string): KubeObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name, namespace: 'team-a', labels: { app: 'k8s-test' } },
  spec: {
    rules: [{ name: 'r', intentMatches: ['drop database'], riskLevel: 'High', action: 'BLOCK', message }],
  },
});

before(async () => {
  server = await startKubeApiServer({ crds: true, namespaces: ['team-a'] });
  client = K8sClient.fromKubeconfig({ kubeconfig: server.kubeconfigYaml });
});
after(async () => {
  await server.close();
});

describe('K8sClient', () => {
  test('loads a kubeconfig from a file and reports a missing in-cluster config as SM_ERR_K8S_CONFIG', async () => {
    const fromFile = K8sClient.fromKubeconfig({ kubeconfigPath: server.kubeconfigPath });
    assert.equal(fromFile.server, server.url);
    assert.throws(
      () => K8sClient.fromKubeconfig({ kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: []\n' }),
      (e) => isK8sError(e, 'SM_ERR_K8S_CONFIG'),
    );
  });

  test('creates, gets, lists by label, and deletes; missing objects map to SM_ERR_K8S_NOT_FOUND', async () => {
    await client.create(policy('p-crud', 'one'));
    await assert.rejects(client.create(policy('p-crud', 'one')), (e) => isK8sError(e, 'SM_ERR_K8S_CONFLICT'));
    const got = await client.get({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-crud', namespace: 'team-a' });
    assert.equal((got.spec as { rules: { message: string }[] }).rules[0].message, 'one');
    const listed = await client.list(SEMAMESH_KINDS.SemaPolicy, {
      namespace: 'team-a',
      labelSelector: 'app=k8s-test',
    });
    assert.ok(listed.some((o) => o.metadata.name === 'p-crud'));
    assert.equal((await client.list(SEMAMESH_KINDS.SemaPolicy, { labelSelector: 'app=other' })).length, 0);
    assert.equal(
      await client.delete({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-crud', namespace: 'team-a' }),
      true,
    );
    assert.equal(
      await client.delete({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-crud', namespace: 'team-a' }),
      false,
    );
    await assert.rejects(
      client.get({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-crud', namespace: 'team-a' }),
      (e) => isK8sError(e, 'SM_ERR_K8S_NOT_FOUND'),
    );
    assert.equal(
      await client.find({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-crud', namespace: 'team-a' }),
      undefined,
    );
  });

  test('server-side apply: a conflicting manager fails without force and wins with it', async () => {
    await client.apply(policy('p-ssa', 'ours'), { fieldManager: 'semamesh-gitops' });
    await assert.rejects(client.apply(policy('p-ssa', 'theirs'), { fieldManager: 'kubectl' }), (e) =>
      isK8sError(e, 'SM_ERR_K8S_CONFLICT'),
    );
    await client.apply(policy('p-ssa', 'theirs'), { fieldManager: 'kubectl', force: true });
    const back = await client.apply(policy('p-ssa', 'ours'), {
      fieldManager: 'semamesh-gitops',
      force: true,
    });
    assert.equal((back.spec as { rules: { message: string }[] }).rules[0].message, 'ours');
  });

  test('patches the status subresource without touching spec', async () => {
    const ref = { ...SEMAMESH_KINDS.SemaPolicy, name: 'p-ssa', namespace: 'team-a' };
    const cond = {
      type: 'Ready',
      status: 'True',
      reason: 'Compiled',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const out = await client.patchStatus(ref, { observedGeneration: 1, conditions: [cond] });
    assert.deepEqual((out.status as { conditions: unknown[] }).conditions, [cond]);
    const applied = await client.patchStatus(
      ref,
      { observedGeneration: 2 },
      { strategy: 'apply', fieldManager: 'semamesh-controller', force: true },
    );
    assert.equal((applied.status as { observedGeneration: number }).observedGeneration, 2);
    assert.equal((applied.spec as { rules: unknown[] }).rules.length, 1);
  });

  test('decodes Secrets and records Events, counting repeats', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'team-a' },
      data: { password: Buffer.from('tok').toString('base64') },
    });
    const secret = await client.get<SecretObject & KubeObject>({
      ...CORE_KINDS.Secret,
      name: 'creds',
      namespace: 'team-a',
    });
    assert.equal(secretValues(secret).password, 'tok');
    const subject = await client.get({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-ssa', namespace: 'team-a' });
    const recorder = new EventRecorder(client, { component: 'semamesh-test' });
    await recorder.warning(subject, 'DriftCorrected', 'reverted a hand edit');
    await recorder.warning(subject, 'DriftCorrected', 'reverted a hand edit');
    const events = await client.list(CORE_KINDS.Event, { namespace: 'team-a' });
    const mine = events.filter((e) => (e as { reason?: string }).reason === 'DriftCorrected');
    assert.equal(mine.length, 1);
    assert.equal((mine[0] as { count?: number }).count, 2);
    assert.equal((mine[0] as unknown as { involvedObject: { name: string } }).involvedObject.name, 'p-ssa');
  });

  test('an informer delivers the initial list, then adds and deletes', async () => {
    const seen: string[] = [];
    let resolveDelete: () => void = () => undefined;
    const deleted = new Promise<void>((r) => {
      resolveDelete = r;
    });
    const watch = await watchKind(client, SEMAMESH_KINDS.SemaPolicy, {
      namespace: 'team-a',
      onAdd: (o) => seen.push(`add:${o.metadata.name}`),
      onDelete: (o) => {
        seen.push(`delete:${o.metadata.name}`);
        if (o.metadata.name === 'p-watch') resolveDelete();
      },
    });
    assert.ok(seen.includes('add:p-ssa'));
    await client.create(policy('p-watch', 'w'));
    await client.delete({ ...SEMAMESH_KINDS.SemaPolicy, name: 'p-watch', namespace: 'team-a' });
    await deleted;
    assert.ok(seen.includes('add:p-watch'));
    assert.ok(watch.list().some((o) => o.metadata.name === 'p-ssa'));
    await watch.stop();
  });

  test('an unreachable server maps to SM_ERR_K8S_UNAVAILABLE and an unknown kind to NOT_FOUND', async () => {
    const dead = K8sClient.fromKubeconfig({
      kubeconfig: server.kubeconfigYaml.replace(server.url, 'http://127.0.0.1:1'),
    });
    await assert.rejects(dead.list(CORE_KINDS.Secret, { namespace: 'x' }), (e) =>
      isK8sError(e, 'SM_ERR_K8S_UNAVAILABLE'),
    );
    await assert.rejects(client.list({ apiVersion: 'semamesh.io/v1alpha1', kind: 'Nope' }), (e) =>
      isK8sError(e, 'SM_ERR_K8S_NOT_FOUND'),
    );
  });
});
