// CRUD of built-in and custom resources through the real client: metadata the server fills in,
// resourceVersion conflicts, namespaces, and the Status errors clients branch on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type V1ConfigMap } from '@kubernetes/client-node';
import { expectStatus } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

const GROUP = 'semamesh.io';
const VERSION = 'v1alpha1';

function policy(name: string, action = 'BLOCK') {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'SemaPolicy',
    metadata: { name },
    spec: { rules: [{ name: 'no-drop', intentMatches: ['delete:database'], riskLevel: 'High', action }] },
  };
}

describe('CRUD over HTTP', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;

  before(async () => {
    server = await startKubeApiServer({ crds: true, namespaces: ['team-a'] });
    core = server.kubeconfig.makeApiClient(CoreV1Api);
    custom = server.kubeconfig.makeApiClient(CustomObjectsApi);
  });
  after(() => server.close());

  test('create fills uid, creationTimestamp and resourceVersion; get returns the same object', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'cfg', labels: { app: 'x' } }, data: { a: '1' } },
    });
    assert.match(String(created.metadata?.uid), /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    assert.match(String(created.metadata?.resourceVersion), /^\d+$/);
    assert.equal(created.metadata?.namespace, 'team-a');
    const got = await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' });
    assert.deepEqual(got.data, { a: '1' });
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  });

  test('generateName makes a unique name', async () => {
    const a = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { generateName: 'gen-' } },
    });
    const b = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { generateName: 'gen-' } },
    });
    assert.match(String(a.metadata?.name), /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  test('duplicate create is 409 AlreadyExists; missing object is 404 NotFound', async () => {
    await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'dup' } } });
    const s = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'dup' } } }),
      409,
      'AlreadyExists',
    );
    assert.equal(s.message, 'configmaps "dup" already exists');
    assert.equal(s.details?.name, 'dup');
    await expectStatus(core.readNamespacedConfigMap({ name: 'nope', namespace: 'team-a' }), 404, 'NotFound');
  });

  test('creating in a missing namespace is 404 for the namespace', async () => {
    const s = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }),
      404,
      'NotFound',
    );
    assert.equal(s.message, 'namespaces "ghost" not found');
  });

  test('update with a stale resourceVersion is 409 Conflict; with the current one it succeeds', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'occ' }, data: { v: '1' } },
    });
    const first: V1ConfigMap = { ...created, data: { v: '2' } };
    const updated = await core.replaceNamespacedConfigMap({ name: 'occ', namespace: 'team-a', body: first });
    assert.notEqual(updated.metadata?.resourceVersion, created.metadata?.resourceVersion);
    const stale: V1ConfigMap = { ...created, data: { v: '3' } };
    const s = await expectStatus(
      core.replaceNamespacedConfigMap({ name: 'occ', namespace: 'team-a', body: stale }),
      409,
      'Conflict',
    );
    assert.match(String(s.message), /the object has been modified/);
    const now = await core.readNamespacedConfigMap({ name: 'occ', namespace: 'team-a' });
    assert.deepEqual(now.data, { v: '2' });
  });

  test('an update that changes nothing keeps the resourceVersion', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'noop' }, data: { v: '1' } },
    });
    const again = await core.replaceNamespacedConfigMap({ name: 'noop', namespace: 'team-a', body: created });
    assert.equal(again.metadata?.resourceVersion, created.metadata?.resourceVersion);
  });

  test('name in the body must match the URL (400 BadRequest)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'n1' } } });
    await expectStatus(
      core.replaceNamespacedConfigMap({
        name: 'n1',
        namespace: 'team-a',
        body: { metadata: { name: 'n2' } },
      }),
      400,
      'BadRequest',
    );
  });

  test('invalid names and label values are 422 Invalid with causes', async () => {
    const s = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'Bad_Name' } } }),
      422,
      'Invalid',
    );
    assert.equal(s.details?.causes?.[0]?.field, 'metadata.name');
    await expectStatus(
      core.createNamespacedConfigMap({
        namespace: 'team-a',
        body: { metadata: { name: 'ok', labels: { a: 'not ok!' } } },
      }),
      422,
      'Invalid',
    );
  });

  test('secrets fold stringData into base64 data', async () => {
    const s = await core.createNamespacedSecret({
      namespace: 'team-a',
      body: { metadata: { name: 's' }, stringData: { token: 'abc' } },
    });
    assert.deepEqual(s.data, { token: Buffer.from('abc').toString('base64') });
    assert.equal(s.stringData, undefined);
  });

  test('custom resources: create with defaults, get, list, delete', async () => {
    const created = (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'team-a',
      plural: 'semapolicies',
      body: policy('p1'),
    })) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.spec.enforcement, 'enforce', 'default from the CRD schema');
    const list = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'team-a',
      plural: 'semapolicies',
    })) as {
      kind: string;
      items: { kind: string; metadata: { name: string } }[];
      metadata: { resourceVersion: string };
    };
    assert.equal(list.kind, 'SemaPolicyList');
    assert.deepEqual(
      list.items.map((i) => [i.kind, i.metadata.name]),
      [['SemaPolicy', 'p1']],
    );
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'team-a',
      plural: 'semapolicies',
      name: 'p1',
    });
    await expectStatus(
      custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        name: 'p1',
      }),
      404,
      'NotFound',
    );
  });

  test('custom resources are validated against the CRD schema (422 with field causes) and pruned', async () => {
    const bad = policy('bad', 'EXPLODE');
    const s = await expectStatus(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        body: bad,
      }),
      422,
      'Invalid',
    );
    const cause = s.details?.causes?.find((c) => c.field === 'spec.rules[0].action');
    assert.equal(cause?.reason, 'FieldValueNotSupported');
    assert.match(
      String(s.message),
      /^SemaPolicy\.semamesh\.io "bad" is invalid: .*Unsupported value: "EXPLODE"/,
    );
    const missing = {
      ...policy('missing'),
      spec: { rules: [{ name: 'r', intentMatches: ['x:y'], action: 'BLOCK' }] },
    };
    const s2 = await expectStatus(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        body: missing,
      }),
      422,
      'Invalid',
    );
    assert.ok(
      s2.details?.causes?.some(
        (c) => c.field === 'spec.rules[0].riskLevel' && c.reason === 'FieldValueRequired',
      ),
    );
    const extra = { ...policy('extra'), spec: { ...policy('x').spec, bogus: true } };
    const created = (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'team-a',
      plural: 'semapolicies',
      body: extra,
    })) as {
      spec: Record<string, unknown>;
    };
    assert.equal(created.spec.bogus, undefined, 'unknown fields are pruned');
    const strict = await expectStatus(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        body: { ...extra, metadata: { name: 'strict' } },
        fieldValidation: 'Strict',
      }),
      400,
      'BadRequest',
    );
    assert.equal(strict.message, 'strict decoding error: unknown field "spec.bogus"');
  });

  test('the CRD CEL rules (x-kubernetes-validations) are enforced', async () => {
    const both = policy('both');
    (both.spec.rules[0] as Record<string, unknown>).textMatches = [{ literal: 'drop', regex: 'drop.*' }];
    const s = await expectStatus(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        body: both,
      }),
      422,
      'Invalid',
    );
    assert.deepEqual(s.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": exactly one of literal or regex must be set',
        field: 'spec.rules[0].textMatches[0]',
      },
    ]);
    const empty = policy('empty');
    (empty.spec.rules[0] as Record<string, unknown>).intentMatches = [];
    const s2 = await expectStatus(
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        body: empty,
      }),
      422,
      'Invalid',
    );
    assert.equal(s2.details?.causes?.[0]?.field, 'spec.rules[0]');
  });

  test('custom resources need metadata.resourceVersion on PUT (422)', async () => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'team-a',
      plural: 'semapolicies',
      body: policy('put'),
    });
    await expectStatus(
      custom.replaceNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'team-a',
        plural: 'semapolicies',
        name: 'put',
        body: policy('put', 'AUDIT'),
      }),
      422,
      'Invalid',
    );
  });

  test('unknown paths are 404 and unsupported methods 405', async () => {
    const r = await fetch(`${server.url}/apis/nope.io/v1/things`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as { reason: string }).reason, 'NotFound');
    const r2 = await fetch(`${server.url}/api/v1/namespaces/team-a/configmaps`, {
      method: 'PUT',
      body: '{}',
    });
    assert.equal(r2.status, 405);
    assert.equal(((await r2.json()) as { reason: string }).reason, 'MethodNotAllowed');
  });

  test('hostile requests get 4xx Status answers and the server keeps serving', async () => {
    const cms = `${server.url}/api/v1/namespaces/team-a/configmaps`;
    const cases: [string, RequestInit, number][] = [
      [cms, { method: 'POST', body: '{"metadata":' }, 400],
      [cms, { method: 'POST', body: '[1,2]' }, 400],
      [
        cms,
        {
          method: 'POST',
          body: JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(4 * 1024 * 1024) } }),
        },
        413,
      ],
      [`${server.url}/api/v1/namespaces/%E0%A4%A/configmaps`, {}, 400],
      [`${cms}/cfg`, { method: 'PATCH', headers: { 'Content-Type': 'text/plain' }, body: 'x' }, 415],
      [`${cms}?watch=true&resourceVersion=abc`, {}, 400],
      [`${cms}?labelSelector=${encodeURIComponent('a in b')}`, {}, 400],
      [`${cms}?fieldSelector=data.x%3Dy`, {}, 400],
      [`${server.url}/api/v1/namespaces/team-a/configmaps/cfg/status`, {}, 404],
    ];
    for (const [url, init, code] of cases) {
      const r = await fetch(url, init);
      assert.equal(r.status, code, `${init.method ?? 'GET'} ${url.slice(0, 120)}`);
      const body = (await r.json()) as { kind: string; code: number };
      assert.equal(body.kind, 'Status');
      assert.equal(body.code, code);
    }
    assert.ok(await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'team-a' }));
  });
});
