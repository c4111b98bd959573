// Server-side apply through KubernetesObjectApi: create-if-absent, managedFields per manager,
// conflicts between managers (409) and force, removal of fields a manager stops applying.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { expectStatus } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';
import { fieldMap, fromFieldsV1, toFieldsV1 } from './managed-fields.js';
import { builtinListStrategy } from './resource-types.js';

type Managed = {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
};

describe('field sets', () => {
  test('fieldMap walks keyed lists by key and renders FieldsV1 with "." for owned list items', () => {
    const obj = {
      metadata: { name: 'x', labels: { a: '1' } },
      spec: { containers: [{ name: 'app', image: 'i' }] },
    };
    const paths = fieldMap(obj, builtinListStrategy, 'all');
    const tree = toFieldsV1(paths.keys());
    assert.deepEqual(tree, {
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:name': {}, 'f:image': {} } } },
    });
    assert.deepEqual(fromFieldsV1(tree), new Set(paths.keys()));
  });
});

describe('server-side apply', () => {
  let server: KubeApiServer;
  let objects: KubernetesObjectApi;
  let core: CoreV1Api;

  const apply = (obj: KubernetesObject & Record<string, unknown>, manager: string, force = false) =>
    objects.patch(obj, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

  before(async () => {
    server = await startKubeApiServer({ crds: true });
    objects = KubernetesObjectApi.makeApiClient(server.kubeconfig);
    core = server.kubeconfig.makeApiClient(CoreV1Api);
  });
  after(() => server.close());

  const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ssa', namespace: 'default', ...(labels ? { labels } : {}) },
    data,
  });

  test('apply creates the object and records an Apply entry for the manager', async () => {
    const out = await apply(cm({ a: '1' }, { team: 'x' }), 'gitops');
    const got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    assert.deepEqual(got.data, { a: '1' });
    assert.ok(out.metadata?.uid);
    const entries = got.metadata?.managedFields as unknown as Managed[];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.manager, 'gitops');
    assert.equal(entries[0]!.operation, 'Apply');
    assert.deepEqual(entries[0]!.fieldsV1, {
      'f:data': { 'f:a': {} },
      'f:metadata': { 'f:labels': { 'f:team': {} } },
    });
  });

  test('another manager changing an applied field conflicts (409) unless forced', async () => {
    const s = await expectStatus(apply(cm({ a: '2' }), 'controller'), 409, 'Conflict');
    assert.equal(s.message, 'Apply failed with 1 conflict: conflict with "gitops" using v1: .data.a');
    assert.deepEqual(s.details?.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "gitops" using v1', field: '.data.a' },
    ]);
    await apply(cm({ a: '2' }), 'controller', true);
    const got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    assert.equal(got.data?.a, '2');
    const entries = got.metadata?.managedFields as unknown as Managed[];
    const byManager = Object.fromEntries(entries.map((e) => [e.manager, e.fieldsV1]));
    assert.deepEqual(byManager.controller, { 'f:data': { 'f:a': {} } });
    assert.deepEqual(byManager.gitops, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  });

  test('applying the same value as another manager shares ownership without conflict', async () => {
    await apply(cm({ a: '2' }), 'third');
    const got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    const owners = (got.metadata!.managedFields as unknown as Managed[])
      .filter((e) => 'f:data' in e.fieldsV1)
      .map((e) => e.manager);
    assert.deepEqual(owners.sort(), ['controller', 'third']);
  });

  test('a field a manager stops applying is removed when nobody else owns it', async () => {
    await apply(cm({ b: '1', c: '1' }, { team: 'x' }), 'gitops');
    let got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    assert.deepEqual(got.data, { a: '2', b: '1', c: '1' });
    await apply(cm({ b: '1' }, { team: 'x' }), 'gitops');
    got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    assert.deepEqual(got.data, { a: '2', b: '1' }, 'c removed; a stays (owned by controller and third)');
  });

  test('a non-apply update takes ownership of the fields it changes, and apply then conflicts with it', async () => {
    await core.patchNamespacedConfigMap(
      { name: 'ssa', namespace: 'default', fieldManager: 'kubectl-edit', body: { data: { b: 'edited' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    const edit = (got.metadata!.managedFields as unknown as Managed[]).find(
      (e) => e.manager === 'kubectl-edit',
    );
    assert.equal(edit?.operation, 'Update');
    assert.deepEqual(edit?.fieldsV1, { 'f:data': { 'f:b': {} } });
    const s = await expectStatus(apply(cm({ b: '1' }, { team: 'x' }), 'gitops'), 409, 'Conflict');
    assert.match(String(s.message), /conflict with "kubectl-edit"/);
  });

  test('apply needs a fieldManager (422) and apiVersion/kind (400)', async () => {
    const r = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/nofm`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nofm\n',
    });
    assert.equal(r.status, 422);
    const r2 = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/nofm?fieldManager=m`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'metadata:\n  name: nofm\n',
    });
    assert.equal(r2.status, 400);
  });

  test('apply on a custom resource: keyed rules merge by name; status is not touched by a main-resource apply', async () => {
    const policy = (rules: Record<string, unknown>[]) => ({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name: 'ssa-policy', namespace: 'default' },
      spec: { rules },
      status: { rules: 99 },
    });
    const rule = (name: string, action: string) => ({
      name,
      intentMatches: ['delete:database'],
      riskLevel: 'High',
      action,
    });
    const created = (await apply(policy([rule('a', 'BLOCK')]), 'gitops')) as KubernetesObject &
      Record<string, unknown>;
    assert.equal(created.status, undefined);
    await apply(policy([rule('b', 'AUDIT')]), 'other');
    const got = (await objects.read({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name: 'ssa-policy', namespace: 'default' },
    })) as unknown as {
      spec: { rules: { name: string }[] };
      metadata: { generation: number };
    };
    assert.deepEqual(
      got.spec.rules.map((r) => r.name),
      ['a', 'b'],
    );
    assert.equal(got.metadata.generation, 2);
    await apply(policy([]), 'other');
    const after = (await objects.read({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name: 'ssa-policy', namespace: 'default' },
    })) as unknown as {
      spec: { rules: { name: string }[] };
    };
    assert.deepEqual(
      after.spec.rules.map((r) => r.name),
      ['a'],
      'the keyed item "other" stopped applying is removed; "a" (owned by gitops) stays',
    );
  });

  test('apply to the status subresource changes only status and records subresource: status', async () => {
    const path = `${server.url}/apis/semamesh.io/v1alpha1/namespaces/default/semapolicies/ssa-policy/status?fieldManager=semamesh-controller&force=true`;
    const r = await fetch(path, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata:\n  name: ssa-policy\nspec:\n  rules: []\nstatus:\n  rules: 1\n  observedGeneration: 3\n',
    });
    assert.equal(r.status, 200);
    const out = (await r.json()) as {
      spec: { rules: unknown[] };
      status: Record<string, unknown>;
      metadata: { managedFields: Managed[] };
    };
    assert.deepEqual(out.status, { rules: 1, observedGeneration: 3 });
    assert.equal(out.spec.rules.length, 1);
    const entry = out.metadata.managedFields.find((e) => e.manager === 'semamesh-controller');
    assert.equal(entry?.subresource, 'status');
    assert.equal(entry?.operation, 'Apply');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:observedGeneration': {}, 'f:rules': {} } });
  });

  test('dry-run apply returns the result without storing it', async () => {
    const before = server.store.resourceVersion;
    await objects.patch(cm({ z: '1' }), undefined, 'All', 'gitops', true, PatchStrategy.ServerSideApply);
    assert.equal(server.store.resourceVersion, before);
    const got = await core.readNamespacedConfigMap({ name: 'ssa', namespace: 'default' });
    assert.equal(got.data?.z, undefined);
  });
});

describe('apply edge cases', () => {
  test('a list applied empty and then with items keeps the items', async () => {
    const server = await startKubeApiServer();
    try {
      const objects = KubernetesObjectApi.makeApiClient(server.kubeconfig);
      const pod = (containers: { name: string; image: string }[], finalizers: string[]) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'default', finalizers },
        spec: { containers },
      });
      await objects.patch(
        pod([{ name: 'a', image: 'a:1' }], []),
        undefined,
        undefined,
        'm',
        false,
        PatchStrategy.ServerSideApply,
      );
      await objects.patch(
        pod([{ name: 'a', image: 'a:1' }], ['x.io/f']),
        undefined,
        undefined,
        'm',
        false,
        PatchStrategy.ServerSideApply,
      );
      const got = server.store.get('', 'pods', 'default', 'p') as { metadata: { finalizers: string[] } };
      assert.deepEqual(got.metadata.finalizers, ['x.io/f']);
    } finally {
      await server.close();
    }
  });
});
