// Leases (leader-election style), core and events.k8s.io Events, Pods and Nodes with their field
// selectors, list paging, and the discovery documents, through the real client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApisApi,
  CoordinationV1Api,
  CoreApi,
  CoreV1Api,
  EventsV1Api,
  type V1Lease,
} from '@kubernetes/client-node';
import { expectStatus } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

describe('built-in kinds', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system'] });
    core = server.kubeconfig.makeApiClient(CoreV1Api);
  });
  after(() => server.close());

  test('leases: create, renew with the current resourceVersion, lose the race with a stale one', async () => {
    const coord = server.kubeconfig.makeApiClient(CoordinationV1Api);
    const lease: V1Lease = {
      metadata: { name: 'semamesh-controller', namespace: 'semamesh-system' },
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: new Date(),
        renewTime: new Date(),
        leaseTransitions: 0,
      },
    };
    const created = await coord.createNamespacedLease({ namespace: 'semamesh-system', body: lease });
    // MicroTime: the server stores microseconds; client-node hands the text back.
    assert.match(String(created.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const renewed = await coord.replaceNamespacedLease({
      name: 'semamesh-controller',
      namespace: 'semamesh-system',
      body: { ...created, spec: { ...created.spec, renewTime: new Date(Date.now() + 1000) } },
    });
    await expectStatus(
      coord.replaceNamespacedLease({
        name: 'semamesh-controller',
        namespace: 'semamesh-system',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } },
      }),
      409,
      'Conflict',
    );
    const now = await coord.readNamespacedLease({
      name: 'semamesh-controller',
      namespace: 'semamesh-system',
    });
    assert.equal(now.spec?.holderIdentity, 'a');
    assert.equal(now.metadata?.resourceVersion, renewed.metadata?.resourceVersion);
  });

  test('core/v1 events with involvedObject field selectors', async () => {
    for (const [name, pod] of [
      ['e1', 'agent-1'],
      ['e2', 'agent-2'],
    ])
      await core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { name },
          involvedObject: { kind: 'Pod', name: pod, namespace: 'default' },
          reason: 'Paused',
          message: 'paused by policy',
          type: 'Warning',
          count: 1,
        },
      });
    const list = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=agent-2,reason=Paused',
    });
    assert.deepEqual(
      list.items.map((e) => e.metadata?.name),
      ['e2'],
    );
    await expectStatus(
      core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'spec.nope=1' }),
      400,
      'BadRequest',
    );
  });

  test('events.k8s.io/v1 events', async () => {
    const events = server.kubeconfig.makeApiClient(EventsV1Api);
    const e = await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'ev1' },
        eventTime: new Date(),
        reportingController: 'semamesh.io/controller',
        reportingInstance: 'controller-0',
        action: 'Pause',
        reason: 'PolicyPause',
        regarding: { kind: 'Pod', name: 'agent-1', namespace: 'default' },
        note: 'paused',
        type: 'Warning',
      },
    });
    assert.equal(e.reportingController, 'semamesh.io/controller');
    assert.equal(e.apiVersion, 'events.k8s.io/v1');
    // One storage, two views: the core API sees the same event under its own field names.
    const asCore = await core.readNamespacedEvent({ name: 'ev1', namespace: 'default' });
    assert.equal(asCore.message, 'paused');
    assert.equal(asCore.involvedObject.name, 'agent-1');
    assert.equal(asCore.reportingComponent, 'semamesh.io/controller');
    const list = await events.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'regarding.name=agent-2',
    });
    assert.deepEqual(
      list.items.map((i) => [i.metadata?.name, i.note, i.regarding?.name]),
      [['e2', 'paused by policy', 'agent-2']],
    );
  });

  test('pods: status via /status, field selectors on spec.nodeName and status.phase', async () => {
    for (const [name, node] of [
      ['p1', 'node-a'],
      ['p2', 'node-b'],
    ]) {
      const pod = await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name, labels: { app: 'agent' } },
          spec: { nodeName: node, containers: [{ name: 'c', image: 'agent:1' }] },
        },
      });
      assert.equal(pod.status?.phase, 'Pending');
    }
    const p1 = await core.readNamespacedPod({ name: 'p1', namespace: 'default' });
    await core.replaceNamespacedPodStatus({
      name: 'p1',
      namespace: 'default',
      body: { ...p1, status: { phase: 'Running', podIP: '10.0.0.5' } },
    });
    const running = await core.listNamespacedPod({
      namespace: 'default',
      fieldSelector: 'status.phase=Running',
    });
    assert.deepEqual(
      running.items.map((p) => p.metadata?.name),
      ['p1'],
    );
    const onB = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName=node-b',
      labelSelector: 'app=agent',
    });
    assert.deepEqual(
      onB.items.map((p) => p.metadata?.name),
      ['p2'],
    );
    await expectStatus(
      core.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'empty' }, spec: { containers: [] } },
      }),
      422,
      'Invalid',
    );
  });

  test('nodes are cluster-scoped and keep the status they are created with', async () => {
    const node = await core.createNode({
      body: { metadata: { name: 'node-a' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    });
    assert.equal(node.metadata?.namespace, undefined);
    assert.equal(node.status?.conditions?.[0]?.type, 'Ready');
  });

  test('list paging with limit and continue', async () => {
    for (const n of ['pg-1', 'pg-2', 'pg-3'])
      await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: n } } });
    const first = await core.listNamespacedServiceAccount({ namespace: 'default', limit: 2 });
    assert.deepEqual(
      first.items.map((s) => s.metadata?.name),
      ['pg-1', 'pg-2'],
    );
    assert.equal(first.metadata?.remainingItemCount, 1);
    const second = await core.listNamespacedServiceAccount({
      namespace: 'default',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    assert.deepEqual(
      second.items.map((s) => s.metadata?.name),
      ['pg-3'],
    );
    assert.equal(second.metadata?._continue, undefined);
  });

  test('discovery: core versions, groups and resource lists with verbs, shortNames, categories', async () => {
    const versions = await server.kubeconfig.makeApiClient(CoreApi).getAPIVersions();
    assert.deepEqual(versions.versions, ['v1']);
    const groups = await server.kubeconfig.makeApiClient(ApisApi).getAPIVersions();
    const names = groups.groups.map((g) => g.name);
    for (const g of ['semamesh.io', 'coordination.k8s.io', 'apiextensions.k8s.io', 'events.k8s.io', 'apps'])
      assert.ok(names.includes(g), g);
    const res = (await (await fetch(`${server.url}/apis/semamesh.io/v1alpha1`)).json()) as {
      resources: {
        name: string;
        kind: string;
        namespaced: boolean;
        verbs: string[];
        shortNames?: string[];
        categories?: string[];
      }[];
    };
    const policies = res.resources.find((r) => r.name === 'semapolicies');
    assert.equal(policies?.kind, 'SemaPolicy');
    assert.equal(policies?.namespaced, true);
    assert.deepEqual(policies?.shortNames, ['spol']);
    assert.deepEqual(policies?.categories, ['semamesh']);
    assert.ok(policies?.verbs.includes('watch'));
    assert.ok(res.resources.some((r) => r.name === 'semapolicies/status'));
    const coreRes = (await (await fetch(`${server.url}/api/v1`)).json()) as { resources: { name: string }[] };
    assert.ok(coreRes.resources.some((r) => r.name === 'pods/status'));
  });
});
