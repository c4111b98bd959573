// Transparent HTTPS through `semamesh exec` (root, real eBPF hooks): curl dials api.openai.com:443
// (resolved to 127.0.0.2), the waypoint terminates TLS with a leaf for the SNI from the mesh CA and
// forwards over verified TLS to an upstream served with a separate test CA. Clients without the CA
// variables fail closed; an upstream the waypoint cannot verify is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Server } from 'node:tls';
import { privilegedSkip } from '../../bpf/src/test-env.js';
import { MeshCa } from '../../waypoint/tls/index.js';
import { createMockLlm, type MockLlm } from '../mock-llm/index.js';
import { CURL_STATUS_JSON, chatJson, execStateFlags, semameshExec, tlsFront } from './privileged-harness.js';

const skip = privilegedSkip('transparent HTTPS tests', ['curl']);

const work = mkdtempSync(join(tmpdir(), 'sm-https-'));

const execHttps = (args: string[], command: string[]) =>
  semameshExec(
    [
      ...execStateFlags(work, 'mesh-ca'),
      '--no-default-hosts',
      '--hosts',
      'api.openai.com',
      '--resolve',
      'api.openai.com=127.0.0.2',
      ...args,
    ],
    command,
  );

const curl = (...extra: string[]) => [
  'curl',
  '-sS',
  '-v',
  '--resolve',
  'api.openai.com:443:127.0.0.2',
  ...CURL_STATUS_JSON,
  'https://api.openai.com/v1/chat/completions',
  '-d',
  chatJson('hello over tls'),
  ...extra,
];

describe('transparent HTTPS with the mesh CA', { skip }, () => {
  let mock: MockLlm;
  let upstream: Server;
  let upstreamUrl: string;
  const testCaFile = join(work, 'test-ca', 'ca.crt');

  before(async () => {
    mock = await createMockLlm({ tokenizer: 'approx' });
    // The "real provider": HTTPS with a certificate from a CA only the waypoint is told to trust.
    const testCa = await MeshCa.loadOrCreate(join(work, 'test-ca'), {
      commonName: 'SemaMesh test upstream CA',
    });
    upstream = tlsFront(testCa, mock.port);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `https://localhost:${(upstream.address() as AddressInfo).port}`;
  });

  after(async () => {
    upstream?.close();
    await mock?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('with the CA variables set, curl gets the reply through a leaf minted for api.openai.com', async () => {
    const before = mock.requests.length;
    const r = await execHttps(['--upstream', `openai=${upstreamUrl}`, '--upstream-ca', testCaFile], curl());
    assert.equal(r.code, 0, r.stderr);
    const [body, status] = r.stdout.trim().split('\n');
    assert.equal(status, '200');
    assert.equal(JSON.parse(body).choices[0].message.content, 'Mock reply to: hello over tls');
    assert.match(r.stderr, /subject: CN=api\.openai\.com/);
    assert.match(r.stderr, /issuer: CN=SemaMesh mesh CA/);
    assert.equal(mock.requests.length, before + 1, 'the upstream behind verified TLS answered');
  });

  test('without the CA variables the client refuses the connection (fails closed)', async () => {
    const before = mock.requests.length;
    const r = await execHttps(
      ['--upstream', `openai=${upstreamUrl}`, '--upstream-ca', testCaFile],
      ['env', '-u', 'CURL_CA_BUNDLE', '-u', 'SSL_CERT_FILE', ...curl()],
    );
    assert.equal(r.code, 60, r.stderr);
    assert.match(r.stderr, /SSL certificate problem: self-signed certificate in certificate chain/);
    assert.equal(mock.requests.length, before);
  });

  test('an upstream the waypoint cannot verify is refused with 502, never forwarded in clear', async () => {
    const r = await execHttps(['--upstream', `openai=${upstreamUrl}`], curl());
    assert.equal(r.code, 0, r.stderr);
    const [body, status] = r.stdout.trim().split('\n');
    assert.equal(status, '502');
    assert.equal(JSON.parse(body).error.semamesh_code, 'SM_ERR_WAYPOINT_UPSTREAM');
  });
});
