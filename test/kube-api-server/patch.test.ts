// Every PATCH format through the real client: JSON patch, merge patch, strategic merge (keyed lists
// of built-ins; 415 for custom resources like the real server), and resourceVersion preconditions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { expectStatus } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';
import { jsonPatch, mergePatch, strategic } from './patch.js';
import { builtinListStrategy } from './resource-types.js';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

describe('patch algorithms', () => {
  test('merge patch: null deletes, objects merge, lists replace', () => {
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { a: null, b: { c: 5 }, l: [3] }), {
      b: { c: 5, d: 3 },
      l: [3],
    });
  });

  test('json patch: add/remove/replace/move/copy/test', () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/a/-', value: 3 },
      { op: 'remove', path: '/a/0' },
      { op: 'replace', path: '/b/c', value: 2 },
      { op: 'copy', from: '/b', path: '/d' },
      { op: 'move', from: '/d/c', path: '/e' },
      { op: 'test', path: '/e', value: 2 },
    ]);
    assert.deepEqual(out, { a: [2, 3], b: { c: 2 }, d: {}, e: 2 });
    assert.deepEqual(doc, { a: [1, 2], b: { c: 1 } }, 'input untouched');
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 9 }]), /testing value/);
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }]), /missing path/);
  });

  test('strategic merge: containers merge by name, $patch: delete removes one, env merges by name', () => {
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
          { name: 'b', image: 'b:1' },
        ],
      },
    };
    const out = strategic(
      pod,
      {
        spec: {
          containers: [
            { name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }] },
            { name: 'b', $patch: 'delete' },
            { name: 'c', image: 'c:1' },
          ],
        },
      },
      [],
      builtinListStrategy,
    );
    assert.deepEqual(out, {
      spec: {
        containers: [
          {
            name: 'a',
            image: 'a:2',
            env: [
              { name: 'X', value: '1' },
              { name: 'Y', value: '2' },
            ],
          },
          { name: 'c', image: 'c:1' },
        ],
      },
    });
  });

  test('strategic merge: finalizers are a set; $deleteFromPrimitiveList removes', () => {
    const out = strategic(
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
      [],
      builtinListStrategy,
    );
    assert.deepEqual(out, { metadata: { finalizers: ['b', 'c'] } });
  });
});

describe('PATCH through the client', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer({ crds: true });
    core = server.kubeconfig.makeApiClient(CoreV1Api);
    custom = server.kubeconfig.makeApiClient(CustomObjectsApi);
  });
  after(() => server.close());

  test('JSON patch (the client default) and its failing test op (422)', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'jp' }, data: { a: '1' } },
    });
    const out = await core.patchNamespacedConfigMap({
      name: 'jp',
      namespace: 'default',
      body: [{ op: 'add', path: '/data/b', value: '2' }],
    });
    assert.deepEqual(out.data, { a: '1', b: '2' });
    await expectStatus(
      core.patchNamespacedConfigMap({
        name: 'jp',
        namespace: 'default',
        body: [{ op: 'test', path: '/data/a', value: 'x' }],
      }),
      422,
      'Invalid',
    );
    const last = server.requests.at(-1);
    assert.equal(last?.contentType, 'application/json-patch+json');
  });

  test('merge patch removes keys with null and keeps the rest', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'mp', labels: { a: '1', b: '2' } }, data: { x: '1' } },
    });
    const out = await core.patchNamespacedConfigMap(
      { name: 'mp', namespace: 'default', body: { metadata: { labels: { a: null, c: '3' } } } },
      merge,
    );
    assert.deepEqual(out.metadata?.labels, { b: '2', c: '3' });
    assert.deepEqual(out.data, { x: '1' });
  });

  test('a resourceVersion in a patch is a precondition (409 when stale)', async () => {
    const c = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'prec' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'prec', namespace: 'default', body: { data: { a: '1' } } },
      merge,
    );
    await expectStatus(
      core.patchNamespacedConfigMap(
        {
          name: 'prec',
          namespace: 'default',
          body: { metadata: { resourceVersion: c.metadata?.resourceVersion }, data: { a: '2' } },
        },
        merge,
      ),
      409,
      'Conflict',
    );
  });

  test('strategic merge patch on a Deployment merges containers by name', async () => {
    const apps = server.kubeconfig.makeApiClient(AppsV1Api);
    const labels = { app: 'w' };
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                { name: 'app', image: 'app:1' },
                { name: 'side', image: 'side:1' },
              ],
            },
          },
        },
      },
    });
    const out = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } },
      },
      smp,
    );
    assert.deepEqual(
      out.spec?.template.spec?.containers.map((c) => [c.name, c.image]),
      [
        ['app', 'app:2'],
        ['side', 'side:1'],
      ],
    );
    assert.equal(out.metadata?.generation, 2);
  });

  test('merge patch on a custom resource; strategic merge on one is 415 like the real server', async () => {
    const ref = { group: 'semamesh.io', version: 'v1alpha1', namespace: 'default', plural: 'semaquotas' };
    const quota = {
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaQuota',
      metadata: { name: 'q' },
      spec: { limits: [{ window: 'hour', tokens: 1000 }] },
    };
    await custom.createNamespacedCustomObject({ ...ref, body: quota });
    const out = (await custom.patchNamespacedCustomObject(
      { ...ref, name: 'q', body: { metadata: { labels: { team: 'a' } } } },
      merge,
    )) as {
      metadata: { labels: Record<string, string> };
    };
    assert.deepEqual(out.metadata.labels, { team: 'a' });
    await expectStatus(
      custom.patchNamespacedCustomObject(
        { ...ref, name: 'q', body: { metadata: { labels: { b: 'c' } } } },
        smp,
      ),
      415,
      'UnsupportedMediaType',
    );
  });

  test('a malformed patch body is 400 BadRequest', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'bad' } } });
    const r = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/bad`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: '{not json',
    });
    assert.equal(r.status, 400);
  });
});
