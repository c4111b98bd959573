// The kubelet checkpoint client against a local HTTPS server shaped like the kubelet, with a CA,
// serving and client certificates minted by the openssl CLI for this test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkpointRecord, type KubeletClientOptions, kubeletCheckpoint } from './checkpoint.js';
import { testPki } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-kubelet-'));
const pki = testPki(dir);
const pem = pki.pem;

let kubelet: Server;
let port = 0;
const ARCHIVE = '/var/lib/kubelet/checkpoints/checkpoint-agent_team-a-main-2026-11-27T08:00:00Z.tar';

before(async () => {
  pki.ca('ca');
  pki.ca('rogue-ca');
  pki.leaf(
    'ca',
    'server',
    'node-1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth',
  );
  pki.leaf('ca', 'client', 'system:node:node-1', 'extendedKeyUsage=clientAuth');
  kubelet = createServer(
    {
      key: pem('server.key'),
      cert: pem('server.crt'),
      ca: pem('ca.crt'),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const tlsOk = (req.socket as { authorized?: boolean }).authorized === true;
      if (!tlsOk && req.headers.authorization !== 'Bearer node-token') {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      const m = /^\/checkpoint\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(405).end();
        return;
      }
      const pod = m[2];
      if (pod === 'agent') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [ARCHIVE] }));
      } else if (pod === 'gate-off') res.writeHead(404).end('404 page not found');
      else if (pod === 'no-criu')
        res.writeHead(500).end('checkpoint/restore support not available in the container runtime');
      else if (pod === 'containerd-1')
        // The kubelet's text when containerd 1.6 answers its CRI call (seen on hack/local-cluster.sh).
        res
          .writeHead(500)
          .end(
            'checkpointing of team-a/containerd-1/main failed (rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)',
          );
      else if (pod === 'garbled') res.writeHead(200).end('not json');
      // 'slow': never answers.
    },
  );
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  port = (kubelet.address() as AddressInfo).port;
});

after(() => {
  kubelet.closeAllConnections();
  kubelet.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (extra: Partial<KubeletClientOptions> = {}): KubeletClientOptions => ({
  host: '127.0.0.1',
  port,
  ca: pem('ca.crt'),
  cert: pem('client.crt'),
  key: pem('client.key'),
  ...extra,
});

test('success with the node client certificate returns the archive path', async () => {
  const path = await kubeletCheckpoint(client(), { namespace: 'team-a', pod: 'agent', container: 'main' });
  assert.equal(path, ARCHIVE);
  assert.deepEqual(
    await checkpointRecord(client(), { namespace: 'team-a', pod: 'agent', container: 'main' }),
    {
      method: 'kubelet',
      path: ARCHIVE,
      container: 'main',
    },
  );
});

test('a bearer token works without a client certificate; no credentials is a coded 401', async () => {
  const tokenOnly = client({ cert: undefined, key: undefined, token: 'node-token' });
  assert.equal(
    await kubeletCheckpoint(tokenOnly, { namespace: 'team-a', pod: 'agent', container: 'main' }),
    ARCHIVE,
  );
  const none = client({ cert: undefined, key: undefined });
  await assert.rejects(kubeletCheckpoint(none, { namespace: 'team-a', pod: 'agent', container: 'main' }), {
    code: 'SM_ERR_PAUSE_CHECKPOINT_FAILED',
    message: /HTTP 401/,
  });
});

test('404 means the ContainerCheckpoint gate is off, 500 that the runtime cannot checkpoint', async () => {
  const gate = await checkpointRecord(client(), { namespace: 'team-a', pod: 'gate-off', container: 'main' });
  assert.equal(gate.method, 'kubelet');
  assert.equal(gate.path, undefined);
  assert.equal(gate.code, 'SM_ERR_PAUSE_CHECKPOINT_GATE');
  assert.match(gate.error ?? '', /ContainerCheckpoint feature gate off/);
  const runtime = await checkpointRecord(client(), {
    namespace: 'team-a',
    pod: 'no-criu',
    container: 'main',
  });
  assert.equal(runtime.code, 'SM_ERR_PAUSE_CHECKPOINT_UNSUPPORTED');
  assert.match(runtime.error ?? '', /container runtime does not support checkpointing/);
  const old = await checkpointRecord(client(), {
    namespace: 'team-a',
    pod: 'containerd-1',
    container: 'main',
  });
  assert.equal(old.code, 'SM_ERR_PAUSE_CHECKPOINT_UNSUPPORTED');
  assert.match(old.error ?? '', /method CheckpointContainer not implemented\).*containerd 2\.0 or later/);
  const garbled = await checkpointRecord(client(), {
    namespace: 'team-a',
    pod: 'garbled',
    container: 'main',
  });
  assert.equal(garbled.code, 'SM_ERR_PAUSE_CHECKPOINT_FAILED');
});

test('a kubelet certificate from another CA is refused (verification stays on)', async () => {
  const rec = await checkpointRecord(client({ ca: pem('rogue-ca.crt') }), {
    namespace: 'team-a',
    pod: 'agent',
    container: 'main',
  });
  assert.equal(rec.code, 'SM_ERR_PAUSE_CHECKPOINT_TLS', rec.error);
  assert.equal(rec.path, undefined);
  // The right CA but a name the certificate does not carry is refused too.
  const wrongName = await checkpointRecord(client({ servername: 'other-node' }), {
    namespace: 'team-a',
    pod: 'agent',
    container: 'main',
  });
  assert.equal(wrongName.code, 'SM_ERR_PAUSE_CHECKPOINT_TLS', wrongName.error);
});

test('a kubelet that never answers times out; an unreachable one fails with a coded error', async () => {
  const slow = await checkpointRecord(client({ timeoutMs: 200 }), {
    namespace: 'team-a',
    pod: 'slow',
    container: 'c',
  });
  assert.equal(slow.code, 'SM_ERR_PAUSE_CHECKPOINT_TIMEOUT');
  const closed = await checkpointRecord(client({ port: 1 }), {
    namespace: 'team-a',
    pod: 'agent',
    container: 'c',
  });
  assert.equal(closed.code, 'SM_ERR_PAUSE_CHECKPOINT_FAILED');
  assert.match(closed.error ?? '', /cannot reach the kubelet/);
});

test('names that could change the request path are rejected before any request', async () => {
  await assert.rejects(kubeletCheckpoint(client(), { namespace: '../x', pod: 'agent', container: 'main' }), {
    code: 'SM_ERR_PAUSE_REQUEST_INVALID',
  });
  const rec = await checkpointRecord(client(), { namespace: 'ns', pod: 'a/b', container: 'main' });
  assert.equal(rec.code, 'SM_ERR_PAUSE_REQUEST_INVALID');
});
