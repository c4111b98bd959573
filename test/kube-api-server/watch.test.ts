// Watch through client-node's Watch and informers: replay after a resourceVersion, selectors,
// bookmarks, timeouts, 410 Gone after compaction, and informer relist on 410.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  makeInformer,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { Inbox } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

type Event = {
  type: string;
  object: {
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    code?: number;
    reason?: string;
  };
};
const CM_PATH = '/api/v1/namespaces/watch/configmaps';

describe('watch', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  let watcher: Watch;
  const aborts: AbortController[] = [];

  const open = async (query: Record<string, string | number | boolean | undefined>, path = CM_PATH) => {
    const events = new Inbox<Event>();
    const done = new Inbox<unknown>();
    const ctrl = await watcher.watch(
      path,
      query,
      (type, object) => events.push({ type, object }),
      (err) => done.push(err ?? null),
    );
    aborts.push(ctrl);
    return { events, done };
  };
  const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) =>
    core.createNamespacedConfigMap({ namespace: 'watch', body: { metadata: { name, labels }, data } });

  before(async () => {
    server = await startKubeApiServer({ namespaces: ['watch'], bookmarkIntervalMs: 50 });
    core = server.kubeconfig.makeApiClient(CoreV1Api);
    watcher = new Watch(server.kubeconfig);
  });
  after(async () => {
    for (const a of aborts) a.abort();
    await server.close();
  });

  test('list then watch from the list resourceVersion sees only later changes, in order', async () => {
    await cm('before');
    const list = await core.listNamespacedConfigMap({ namespace: 'watch' });
    const { events } = await open({ resourceVersion: list.metadata?.resourceVersion });
    await cm('w1', {}, { v: '1' });
    await core.patchNamespacedConfigMap({
      name: 'w1',
      namespace: 'watch',
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
    });
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'watch' });
    const seen = [await events.next(), await events.next(), await events.next()];
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'w1'],
        ['MODIFIED', 'w1'],
        ['DELETED', 'w1'],
      ],
    );
    const rvs = seen.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.ok(
      rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!,
      'the DELETED event carries the deletion resourceVersion',
    );
  });

  test('watch without resourceVersion starts with ADDED for existing objects', async () => {
    await cm('existing-1', { set: 'initial' });
    const { events } = await open({ labelSelector: 'set=initial' });
    const first = await events.next();
    assert.deepEqual([first.type, first.object.metadata?.name], ['ADDED', 'existing-1']);
  });

  test('watch replays history after an older resourceVersion', async () => {
    const start = server.store.resourceVersion;
    await cm('replay-1', { set: 'replay' });
    await cm('replay-2', { set: 'replay' });
    const { events } = await open({ resourceVersion: start, labelSelector: 'set=replay' });
    assert.equal((await events.next()).object.metadata?.name, 'replay-1');
    assert.equal((await events.next()).object.metadata?.name, 'replay-2');
  });

  test('label selector: objects entering the selector are ADDED, leaving it DELETED', async () => {
    const { events } = await open({
      resourceVersion: server.store.resourceVersion,
      labelSelector: 'tier in (web,api),!legacy',
    });
    await cm('sel-a', { tier: 'db' });
    await cm('sel-b', { tier: 'web' });
    await core.patchNamespacedConfigMap({
      name: 'sel-a',
      namespace: 'watch',
      body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'api' }],
    });
    await core.patchNamespacedConfigMap({
      name: 'sel-b',
      namespace: 'watch',
      body: [{ op: 'add', path: '/metadata/labels/legacy', value: 'yes' }],
    });
    const seen = [await events.next(), await events.next(), await events.next()];
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'sel-b'],
        ['ADDED', 'sel-a'],
        ['DELETED', 'sel-b'],
      ],
    );
  });

  test('field selector on metadata.name', async () => {
    const { events } = await open({
      resourceVersion: server.store.resourceVersion,
      fieldSelector: 'metadata.name=only-me',
    });
    await cm('not-me');
    await cm('only-me');
    assert.equal((await events.next()).object.metadata?.name, 'only-me');
    assert.deepEqual(events.drain(), []);
  });

  test('bookmarks carry the current resourceVersion', async () => {
    const { events } = await open({
      resourceVersion: server.store.resourceVersion,
      allowWatchBookmarks: true,
    });
    await cm('bm');
    const bookmark = await events.next((e) => e.type === 'BOOKMARK');
    assert.ok(Number(bookmark.object.metadata?.resourceVersion) >= 1);
  });

  test('sendInitialEvents ends the initial ADDED events with an annotated bookmark', async () => {
    const { events } = await open({
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      labelSelector: 'set=initial',
    });
    assert.equal((await events.next()).type, 'ADDED');
    const end = await events.next((e) => e.type === 'BOOKMARK');
    assert.equal(end.object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
  });

  test('timeoutSeconds ends the stream cleanly', async () => {
    const { done } = await open({ resourceVersion: server.store.resourceVersion, timeoutSeconds: 1 });
    assert.equal(await done.next(), null);
  });

  test('a compacted resourceVersion gets an ERROR event with a 410 Expired Status, then the stream ends', async () => {
    const old = server.store.resourceVersion;
    await cm('after-old');
    server.compact();
    const { events, done } = await open({ resourceVersion: old });
    const err = await events.next();
    assert.equal(err.type, 'ERROR');
    assert.equal(err.object.code, 410);
    assert.equal(err.object.reason, 'Expired');
    assert.equal(await done.next(), null);
  });

  test('legacy /watch/ paths stream the same events', async () => {
    const ctrl = new AbortController();
    const r = await fetch(
      `${server.url}/api/v1/watch/namespaces/watch/configmaps?labelSelector=set%3Dinitial`,
      { signal: ctrl.signal },
    );
    assert.equal(r.status, 200);
    const reader = r.body!.getReader();
    const { value } = await reader.read();
    const first = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as Event;
    assert.deepEqual([first.type, first.object.metadata?.name], ['ADDED', 'existing-1']);
    ctrl.abort();
  });

  test('a legacy watch on one object path sees only that object', async () => {
    const { events } = await open(
      { resourceVersion: server.store.resourceVersion },
      '/api/v1/watch/namespaces/watch/configmaps/single',
    );
    await cm('other-one');
    await cm('single');
    assert.equal((await events.next()).object.metadata?.name, 'single');
    assert.deepEqual(events.drain(), []);
  });
});

describe('informer', () => {
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer({ namespaces: ['inf'] });
  });
  after(() => server.close());

  test('list+watch, then relist after 410 Gone when the watch resumes from a compacted version', async () => {
    const core = server.kubeconfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'inf',
      body: { metadata: { name: 'pre', labels: { app: 'x' } } },
    });
    const informer = makeInformer<V1ConfigMap>(
      server.kubeconfig,
      '/api/v1/namespaces/inf/configmaps',
      () => core.listNamespacedConfigMap({ namespace: 'inf', labelSelector: 'app=x' }),
      'app=x',
    );
    const adds = new Inbox<string>();
    const updates = new Inbox<string>();
    const deletes = new Inbox<string>();
    const errors = new Inbox<unknown>();
    informer.on('add', (o) => adds.push(String(o.metadata?.name)));
    informer.on('update', (o) => updates.push(String(o.metadata?.name)));
    informer.on('delete', (o) => deletes.push(String(o.metadata?.name)));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      assert.equal(await adds.next(), 'pre');
      await core.createNamespacedConfigMap({
        namespace: 'inf',
        body: { metadata: { name: 'live', labels: { app: 'x' } } },
      });
      assert.equal(await adds.next(), 'live');
      await core.patchNamespacedConfigMap({
        name: 'live',
        namespace: 'inf',
        body: [{ op: 'add', path: '/data', value: { k: 'v' } }],
      });
      assert.equal(await updates.next(), 'live');

      const listsBefore = server.requests.filter(
        (r) => r.method === 'GET' && !r.query.includes('watch'),
      ).length;
      // A write to another kind moves the global resourceVersion past the informer's last one.
      await core.createNamespacedSecret({ namespace: 'inf', body: { metadata: { name: 'elsewhere' } } });
      server.compact();
      server.closeWatches();
      // The informer resumes from its last resourceVersion, gets 410, relists and watches again.
      await core.createNamespacedConfigMap({
        namespace: 'inf',
        body: { metadata: { name: 'after-gone', labels: { app: 'x' } } },
      });
      assert.equal(await adds.next(), 'after-gone');
      await core.deleteNamespacedConfigMap({ name: 'pre', namespace: 'inf' });
      assert.equal(await deletes.next(), 'pre');
      const listsAfter = server.requests.filter(
        (r) => r.method === 'GET' && !r.query.includes('watch'),
      ).length;
      assert.ok(listsAfter > listsBefore, 'the informer listed again after 410');
      assert.deepEqual(
        informer
          .list('inf')
          .map((o) => o.metadata?.name)
          .sort(),
        ['after-gone', 'live'],
      );
      assert.deepEqual(errors.drain(), []);
    } finally {
      await informer.stop();
    }
  });

  test('an informer over custom resources sees creates, status updates and deletes', async () => {
    const crdServer = await startKubeApiServer({ crds: true });
    const custom = crdServer.kubeconfig.makeApiClient(CustomObjectsApi);
    const ref = { group: 'semamesh.io', version: 'v1alpha1', namespace: 'default', plural: 'semapolicies' };
    const informer = makeInformer<KubernetesObject & { status?: { rules?: number } }>(
      crdServer.kubeconfig,
      '/apis/semamesh.io/v1alpha1/namespaces/default/semapolicies',
      () => custom.listNamespacedCustomObject(ref),
    );
    const seen = new Inbox<string>();
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.status?.rules}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      const body = {
        apiVersion: 'semamesh.io/v1alpha1',
        kind: 'SemaPolicy',
        metadata: { name: 'p' },
        spec: {
          rules: [{ name: 'r', intentMatches: ['delete:database'], riskLevel: 'High', action: 'BLOCK' }],
        },
      };
      const created = (await custom.createNamespacedCustomObject({ ...ref, body })) as Record<
        string,
        unknown
      >;
      assert.equal(await seen.next(), 'add p');
      await custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        name: 'p',
        body: { ...created, status: { rules: 1 } },
      });
      assert.equal(await seen.next(), 'update p 1');
      await custom.deleteNamespacedCustomObject({ ...ref, name: 'p' });
      assert.equal(await seen.next(), 'delete p');
    } finally {
      await informer.stop();
      await crdServer.close();
    }
  });
});
