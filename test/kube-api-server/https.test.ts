// HTTPS with a self-signed certificate and bearer-token auth, through kubeconfigs the real client
// loads from an object and from a file: CRUD, watch and 401 for a wrong token.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ApiException, CoreV1Api, KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { Inbox } from './client-assert.js';
import { type KubeApiServer, startKubeApiServer } from './index.js';

describe('HTTPS with a bearer token', () => {
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer({ tls: true, token: 'test-token', crds: true });
  });
  after(() => server.close());

  test('the kubeconfig names an https server with CA data and the token', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const cluster = server.kubeconfig.getCurrentCluster();
    assert.equal(cluster?.server, server.url);
    assert.ok(cluster?.caData);
    assert.equal(server.kubeconfig.getCurrentUser()?.token, 'test-token');
    assert.equal(await readFile(server.kubeconfigPath, 'utf8'), server.kubeconfigYaml);
  });

  test('CRUD and version over TLS with a kubeconfig loaded from the file', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'tls' }, data: { a: '1' } },
    });
    assert.equal(created.metadata?.name, 'tls');
    const version = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.major, '1');
  });

  test('watch over TLS', async () => {
    const events = new Inbox<string>();
    const ctrl = await new Watch(server.kubeconfig).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: server.store.resourceVersion },
      (type, obj) => events.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await server.kubeconfig
      .makeApiClient(CoreV1Api)
      .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'tls-w' } } });
    assert.equal(await events.next(), 'ADDED tls-w');
    ctrl.abort();
  });

  test('a wrong token is 401 Unauthorized; health endpoints need none', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml.replace('token: test-token', 'token: wrong'));
    // client-node drops the body of 401 answers, so check the code and what the server sent.
    const err = await kc
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiException);
    assert.equal(err.code, 401);
    assert.equal(server.requests.at(-1)?.status, 401);
    const health = await fetch(`${server.url}/healthz`).catch((err: Error) => err);
    // Node's fetch does not trust the self-signed CA, which proves the server speaks TLS.
    assert.ok(health instanceof Error);
  });
});
