// Generation, the status subresource, finalizers, namespace and CRD lifecycles, owner-reference
// garbage collection, driven through the real client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { expectStatus } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

const GROUP = 'semamesh.io';
const VERSION = 'v1alpha1';
type Obj = {
  metadata: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

function policy(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'SemaPolicy',
    metadata: { name, ...extra },
    spec: { rules: [{ name: 'r', intentMatches: ['delete:database'], riskLevel: 'High', action: 'BLOCK' }] },
  };
}

describe('object lifecycle', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  const ref = (name: string) => ({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'semapolicies',
    name,
  });

  before(async () => {
    server = await startKubeApiServer({ crds: true });
    core = server.kubeconfig.makeApiClient(CoreV1Api);
    custom = server.kubeconfig.makeApiClient(CustomObjectsApi);
  });
  after(() => server.close());

  test('generation bumps on spec changes only, not on metadata or status changes', async () => {
    const c = (await custom.createNamespacedCustomObject({ ...ref(''), body: policy('gen') })) as Obj;
    assert.equal(c.metadata.generation, 1);
    const labelled = (await custom.patchNamespacedCustomObject({
      ...ref('gen'),
      body: [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }],
    })) as Obj;
    assert.equal(labelled.metadata.generation, 1);
    assert.notEqual(labelled.metadata.resourceVersion, c.metadata.resourceVersion);
    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      ...ref('gen'),
      body: { ...labelled, status: { observedGeneration: 1, rules: 1 } },
    })) as Obj;
    assert.equal(withStatus.metadata.generation, 1);
    assert.deepEqual(withStatus.status, { observedGeneration: 1, rules: 1 });
    const spec = (await custom.patchNamespacedCustomObject({
      ...ref('gen'),
      body: [{ op: 'replace', path: '/spec/rules/0/action', value: 'AUDIT' }],
    })) as Obj;
    assert.equal(spec.metadata.generation, 2);
  });

  test('status subresource: main writes ignore status, status writes ignore everything else', async () => {
    const c = (await custom.createNamespacedCustomObject({
      ...ref(''),
      body: { ...policy('iso'), status: { rules: 9 } },
    })) as Obj;
    assert.equal(c.status, undefined, 'status is dropped on create');
    const main = (await custom.replaceNamespacedCustomObject({
      ...ref('iso'),
      body: { ...c, status: { rules: 5 } },
    })) as Obj;
    assert.equal(main.status, undefined);
    const st = (await custom.replaceNamespacedCustomObjectStatus({
      ...ref('iso'),
      body: {
        ...main,
        metadata: { ...main.metadata, labels: { sneaky: 'yes' } },
        spec: { rules: [] },
        status: { rules: 1 },
      },
    })) as Obj;
    assert.deepEqual(st.status, { rules: 1 });
    assert.equal((st.metadata.labels as Record<string, string> | undefined)?.sneaky, undefined);
    assert.equal((st.spec!.rules as unknown[]).length, 1);
    const got = (await custom.getNamespacedCustomObjectStatus(ref('iso'))) as Obj;
    assert.deepEqual(got.status, { rules: 1 });
  });

  test('status of a CR is validated against the schema', async () => {
    const c = (await custom.createNamespacedCustomObject({ ...ref(''), body: policy('badstatus') })) as Obj;
    await expectStatus(
      custom.replaceNamespacedCustomObjectStatus({
        ...ref('badstatus'),
        body: { ...c, status: { rules: 'many' } },
      }),
      422,
      'Invalid',
    );
  });

  test('finalizers keep a deleted object, with deletionTimestamp, until they are removed', async () => {
    await custom.createNamespacedCustomObject({
      ...ref(''),
      body: policy('fin', { finalizers: ['semamesh.io/cleanup'] }),
    });
    const deleting = (await custom.deleteNamespacedCustomObject(ref('fin'))) as Obj;
    assert.ok(deleting.metadata.deletionTimestamp);
    const still = (await custom.getNamespacedCustomObject(ref('fin'))) as Obj;
    assert.ok(still.metadata.deletionTimestamp);
    assert.equal(still.metadata.generation, 2, 'marking as deleting bumps generation');
    await expectStatus(
      custom.patchNamespacedCustomObject({
        ...ref('fin'),
        body: [{ op: 'add', path: '/metadata/finalizers/-', value: 'x/y' }],
      }),
      422,
      'Invalid',
    );
    await custom.patchNamespacedCustomObject({
      ...ref('fin'),
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await expectStatus(custom.getNamespacedCustomObject(ref('fin')), 404, 'NotFound');
  });

  test('deleting a namespace deletes its content and then the namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    const ns = await core.readNamespace({ name: 'doomed' });
    assert.equal(ns.status?.phase, 'Active');
    assert.equal(ns.metadata?.labels?.['kubernetes.io/metadata.name'], 'doomed');
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'c' } } });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'held', finalizers: ['x.io/hold'] } },
    });
    await core.deleteNamespace({ name: 'doomed' });
    const terminating = await core.readNamespace({ name: 'doomed' });
    assert.equal(terminating.status?.phase, 'Terminating');
    await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'new' } } }),
      403,
      'Forbidden',
    );
    await expectStatus(core.readNamespacedConfigMap({ name: 'c', namespace: 'doomed' }), 404, 'NotFound');
    await core.patchNamespacedConfigMap({
      name: 'held',
      namespace: 'doomed',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await expectStatus(core.readNamespace({ name: 'doomed' }), 404, 'NotFound');
  });

  test('owner references: deleting the owner deletes dependents, unless orphaned', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owner' } },
    });
    const ownerRef = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: String(owner.metadata?.uid) },
    ];
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dep', ownerReferences: ownerRef } },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default' });
    await expectStatus(core.readNamespacedConfigMap({ name: 'dep', namespace: 'default' }), 404, 'NotFound');
    const owner2 = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owner2' } },
    });
    const ref2 = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: String(owner2.metadata?.uid) }];
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dep2', ownerReferences: ref2 } },
    });
    await core.deleteNamespacedConfigMap({
      name: 'owner2',
      namespace: 'default',
      propagationPolicy: 'Orphan',
    });
    assert.ok(await core.readNamespacedConfigMap({ name: 'dep2', namespace: 'default' }));
  });

  test('delete preconditions: a wrong uid is 409 Conflict', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'pre' } } });
    await expectStatus(
      core.deleteNamespacedConfigMap({
        name: 'pre',
        namespace: 'default',
        body: { preconditions: { uid: 'not-the-uid' } },
      }),
      409,
      'Conflict',
    );
  });

  test('creating a CRD registers its kind dynamically; deleting it removes kind and objects', async () => {
    const ext = server.kubeconfig.makeApiClient(ApiextensionsV1Api);
    const crd: V1CustomResourceDefinition = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.io' },
      spec: {
        group: 'example.io',
        names: {
          kind: 'Widget',
          plural: 'widgets',
          singular: 'widget',
          listKind: 'WidgetList',
          shortNames: ['wd'],
        },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const created = await ext.createCustomResourceDefinition({ body: crd });
    assert.ok(created.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
    const w = { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } };
    await custom.createClusterCustomObject({
      group: 'example.io',
      version: 'v1',
      plural: 'widgets',
      body: w,
    });
    const disc = (await (await fetch(`${server.url}/apis/example.io/v1`)).json()) as {
      resources: { name: string; shortNames?: string[] }[];
    };
    assert.deepEqual(
      disc.resources.map((r) => r.name),
      ['widgets', 'widgets/status'],
    );
    await expectStatus(
      custom.createClusterCustomObject({
        group: 'example.io',
        version: 'v1',
        plural: 'widgets',
        body: { ...w, metadata: { name: 'w2' }, spec: { size: 'big' } },
      }),
      422,
      'Invalid',
    );
    await ext.deleteCustomResourceDefinition({ name: 'widgets.example.io' });
    await expectStatus(
      custom.listClusterCustomObject({ group: 'example.io', version: 'v1', plural: 'widgets' }),
      404,
      'NotFound',
    );
    assert.equal(server.store.list('example.io', 'widgets').length, 0);
  });

  test('an invalid CRD is rejected with 422', async () => {
    const ext = server.kubeconfig.makeApiClient(ApiextensionsV1Api);
    await expectStatus(
      ext.createCustomResourceDefinition({
        body: {
          metadata: { name: 'wrong.example.io' },
          spec: {
            group: 'example.io',
            names: { kind: 'Gadget', plural: 'gadgets' },
            scope: 'Namespaced',
            versions: [],
          },
        },
      }),
      422,
      'Invalid',
    );
  });
});
