// Transparent mode without the kernel: the original-destination seam is a test double, everything
// else is real (TLS termination with minted leaves, the filter chain, routing, peer identity).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { createMockLlm, type MockLlm } from '../test/mock-llm/index.js';
import { localIdentity } from './filters/identity/local.js';
import { createWaypoint, type Waypoint } from './server.js';
import { auditRecord, intentEngine, type Stack, startStack } from './testing/harness.js';
import { MeshCa } from './tls/ca.js';
import { LeafMinter } from './tls/leaf.js';
import { type InterceptedConnection, TransparentMode } from './transparent.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-transparent-'));
let ca: MeshCa;
before(async () => {
  ca = await MeshCa.loadOrCreate(join(dir, 'ca'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Reply {
  status: number;
  body: string;
  cert?: PeerCertificate;
  id?: string;
}

const BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });

function post(
  url: string,
  tls?: { ca: string[]; servername?: string; checkServerIdentity?: () => undefined },
): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const options = {
      method: 'POST',
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      agent: false as const,
      ...tls,
    };
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      const cert = tls ? (res.socket as TLSSocket).getPeerCertificate() : undefined;
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      const id = res.headers['x-semamesh-request-id'] as string | undefined;
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert, id }));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

describe('TransparentMode', () => {
  let stack: Stack;
  let transparent: TransparentMode;
  let tlsPort: number;
  const seen: InterceptedConnection[] = [];

  before(async () => {
    // Every connection "was" redirected from api.openai.com (127.0.0.2:443) in this test.
    transparent = new TransparentMode({
      originalDestination: () => ({ address: '127.0.0.2', port: 443 }),
      hostnameFor: (address, port) =>
        address === '127.0.0.2' && port === 443 ? 'api.openai.com' : undefined,
      minter: new LeafMinter(ca),
      useConfiguredRoutes: (c) => {
        seen.push(c);
        return true;
      },
    });
    stack = await startStack({
      engine: intentEngine({ 'delete:database': 'BLOCK' }),
      originalDestination: transparent.routeDestination,
      identify: localIdentity({ applies: (s: Socket) => transparent.connectionOf(s) !== undefined }),
    });
    ({ tlsPort } = await transparent.listen(stack.wp));
  });

  after(async () => {
    await transparent.close();
    await stack.close();
  });

  test('terminates TLS with a leaf for the SNI and serves the request through the chain', async () => {
    const r = await post(`https://127.0.0.1:${tlsPort}/v1/chat/completions`, {
      ca: [ca.certificate.pem],
      servername: 'api.openai.com',
    });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).choices[0].message.content, 'Mock reply to: hello');
    assert.equal(r.cert?.subjectaltname, 'DNS:api.openai.com');
    assert.deepEqual(seen.at(-1), {
      address: '127.0.0.2',
      port: 443,
      hostname: 'api.openai.com',
      tls: true,
      servername: 'api.openai.com',
    });
    assert.equal(transparent.counts.tls, 1);
  });

  test('identifies the peer process (this one) by its cgroup and command', async () => {
    const r = await post(`https://127.0.0.1:${tlsPort}/v1/chat/completions`, {
      ca: [ca.certificate.pem],
      servername: 'api.openai.com',
    });
    const rec = await auditRecord(stack, r.id);
    const agent = rec.agent as { namespace: string; labels: Record<string, string>; cgroup: string };
    assert.equal(agent.namespace, 'local');
    assert.equal(agent.labels['semamesh.io/pid'], String(process.pid));
    const own = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    assert.equal(agent.cgroup, own?.slice(3) ?? '');
  });

  test('a client without SNI gets the leaf for the name it resolved', async () => {
    const r = await post(`https://127.0.0.1:${tlsPort}/v1/chat/completions`, {
      ca: [ca.certificate.pem],
      servername: '',
      checkServerIdentity: () => undefined,
    });
    assert.equal(r.status, 200);
    assert.equal(r.cert?.subjectaltname, 'DNS:api.openai.com');
  });

  test('a client that does not trust the mesh CA fails the handshake (fail closed)', async () => {
    await assert.rejects(
      post(`https://127.0.0.1:${tlsPort}/v1/chat/completions`, { ca: [], servername: 'api.openai.com' }),
      { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
    );
  });

  test('policy applies to decrypted traffic: a blocked intent gets the 403', async () => {
    const blocked = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'drop the production database' }],
    });
    const u = `https://127.0.0.1:${tlsPort}/v1/chat/completions`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        u,
        {
          method: 'POST',
          ca: [ca.certificate.pem],
          servername: 'api.openai.com',
          headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(blocked);
    });
    assert.equal(status, 403);
  });
});

describe('TransparentMode routing to the original destination', () => {
  let mock: MockLlm;
  let wp: Waypoint;
  let transparent: TransparentMode;

  before(async () => {
    mock = await createMockLlm({ tokenizer: 'approx' });
    // The configured route is dead: only the original destination can answer.
    transparent = new TransparentMode({
      originalDestination: () => ({ address: '127.0.0.1', port: mock.port }),
      minter: new LeafMinter(ca),
    });
    wp = await createWaypoint({
      routes: [{ provider: 'openai', upstream: 'http://127.0.0.1:1' }],
      engine: intentEngine({}),
      originalDestination: transparent.routeDestination,
      logger: false,
      auditStream: new PassThrough(),
    });
    await wp.listen();
    await transparent.listen(wp);
  });

  after(async () => {
    await transparent.close();
    await wp.close();
    await mock.close();
  });

  test('a redirected plain connection is forwarded to the address it dialled', async () => {
    const address = wp.app.server.address() as { port: number };
    const r = await post(`http://127.0.0.1:${address.port}/v1/chat/completions`);
    assert.equal(r.status, 200);
    assert.equal(mock.requests.at(-1)?.path, '/v1/chat/completions');
    assert.equal(transparent.counts.plain, 1);
  });
});
