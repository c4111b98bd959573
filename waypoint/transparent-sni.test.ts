// Transparent TLS goes to the address the agent dialled, never where its SNI points: the upstream
// certificate is verified for the SNI at that address, and SNI/Host that do not belong to it are
// refused. The kernel redirect is a test double here (the privileged e2e tests cover the real one).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, createServer as httpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createWaypoint, type Waypoint } from './server.js';
import { intentEngine } from './testing/harness.js';
import { MeshCa } from './tls/ca.js';
import { LeafMinter } from './tls/leaf.js';
import { TransparentMode } from './transparent.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-sni-'));
let ca: MeshCa;
let upstream: Server;
let upstreamPort: number;
const seenHosts: string[] = [];
let resolvedName: string | undefined;
let wp: Waypoint;
let transparent: TransparentMode;
let tlsPort: number;
const audit: string[] = [];

before(async () => {
  ca = await MeshCa.loadOrCreate(join(dir, 'ca'));
  const minter = new LeafMinter(ca);
  // The real server at the dialled address: its certificate names api.test only.
  const own = await minter.context('api.test');
  upstream = httpsServer({ SNICallback: (_name, cb) => cb(null, own) }, (req, res) => {
    seenHosts.push(String(req.headers.host));
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  transparent = new TransparentMode({
    originalDestination: () => ({ address: '127.0.0.1', port: upstreamPort }),
    hostnameFor: () => resolvedName,
    minter,
  });
  const stream = new PassThrough();
  stream.setEncoding('utf8').on('data', (d: string) => audit.push(d));
  wp = await createWaypoint({
    // The configured route is dead: only the dialled address can answer.
    routes: [{ provider: 'openai', upstream: 'http://127.0.0.1:1' }],
    engine: intentEngine({}),
    originalDestination: transparent.routeDestination,
    upstream: { extraCa: [ca.certificate.pem] },
    logger: false,
    auditStream: stream,
  });
  await wp.listen();
  ({ tlsPort } = await transparent.listen(wp));
});

after(async () => {
  await transparent.close();
  await wp.close();
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(sni: string, host: string): Promise<{ status: number; body: string; id: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method: 'POST',
        host: '127.0.0.1',
        port: tlsPort,
        path: '/v1/chat/completions',
        servername: sni,
        ca: [ca.certificate.pem],
        agent: false,
        headers: { host, 'content-type': 'application/json', authorization: 'Bearer k' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, id: String(res.headers['x-semamesh-request-id']) }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }));
  });
}

describe('transparent TLS to the dialled destination', () => {
  test('the dialled address is reached with the SNI as server name; the verified name is audited', async () => {
    resolvedName = 'api.test';
    const before = seenHosts.length;
    const r = await call('api.test', 'api.test');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(seenHosts.slice(before), ['api.test']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rec = audit.map((l) => JSON.parse(l) as { id?: string; host?: string }).find((x) => x.id === r.id);
    assert.equal(rec?.host, 'api.test');
  });

  test('an SNI that is not the name resolved to the dialled address is refused (421)', async () => {
    resolvedName = 'api.test';
    const before = seenHosts.length;
    const r = await call('evil.test', 'evil.test');
    assert.equal(r.status, 421, r.body);
    assert.match(r.body, /SM_ERR_WAYPOINT_MISDIRECTED/);
    assert.equal(seenHosts.length, before);
  });

  test('a Host header that differs from the SNI is refused (421)', async () => {
    resolvedName = 'api.test';
    const r = await call('api.test', 'evil.test');
    assert.equal(r.status, 421, r.body);
  });

  test('without a resolved name, an SNI the dialled server has no certificate for fails verification', async () => {
    resolvedName = undefined;
    const before = seenHosts.length;
    const r = await call('evil.test', 'evil.test');
    assert.equal(r.status, 502, r.body);
    assert.match(r.body, /SM_ERR_WAYPOINT_UPSTREAM/);
    assert.equal(seenHosts.length, before);
  });
});
