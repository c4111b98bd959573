// Transparent TLS goes to the address the agent dialled (root, real eBPF redirect under
// `semamesh exec`, no configured upstream): curl dials api.openai.com, pinned to a 127.x address
// where an HTTPS server with a test CA listens; the waypoint connects to that address, verifies its
// certificate for the SNI, audits the verified name, and refuses (421) an SNI or Host that does not
// belong to the dialled target.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Server } from 'node:tls';
import { privilegedSkip } from '../../bpf/src/test-env.js';
import { MeshCa } from '../../waypoint/tls/index.js';
import { createMockLlm, type MockLlm } from '../mock-llm/index.js';
import {
  bodyAndStatus,
  CURL_STATUS_JSON,
  chatJson,
  execStateFlags,
  semameshExec,
  tlsFront,
} from './privileged-harness.js';

/** An address of our own on lo (other runs may use 127.0.0.2), port 443 as a real provider. */
const ADDRESS = `127.${(process.pid % 200) + 30}.${Math.floor(Math.random() * 200) + 20}.9`;

const skip = privilegedSkip('transparent TLS to the dialled address tests', ['curl']);

const work = mkdtempSync(join(tmpdir(), 'sm-dialled-'));
const auditFile = join(work, 'audit.jsonl');
const testCaFile = join(work, 'test-ca', 'ca.crt');

const execDialled = (command: string[]) =>
  semameshExec(
    [
      ...execStateFlags(work, 'mesh-ca'),
      '--audit-file',
      auditFile,
      '--no-default-hosts',
      '--hosts',
      'api.openai.com',
      '--resolve',
      `api.openai.com=${ADDRESS}`,
      '--upstream-ca',
      testCaFile,
    ],
    command,
  );

const curl = (host: string, ...extra: string[]) => [
  'curl',
  '-sS',
  '--resolve',
  `${host}:443:${ADDRESS}`,
  ...CURL_STATUS_JSON,
  ...extra,
  `https://${host}/v1/chat/completions`,
  '-d',
  chatJson('hello dialled'),
];

function parse(r: { stdout: string; stderr: string }): { status: string; body: { [k: string]: unknown } } {
  const { status, body: text } = bodyAndStatus(r.stdout);
  let body: { [k: string]: unknown } = {};
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`not JSON (${status}): ${text}\n${r.stderr}`);
  }
  return { status, body };
}

describe('transparent TLS to the dialled destination', { skip }, () => {
  let mock: MockLlm;
  let upstream: Server;

  before(async () => {
    mock = await createMockLlm({ tokenizer: 'approx' });
    // The "provider" at the dialled address: a certificate for the SNI from a CA only the waypoint
    // is told to trust (--upstream-ca), in front of the mock LLM.
    const testCa = await MeshCa.loadOrCreate(join(work, 'test-ca'), {
      commonName: 'SemaMesh dialled test CA',
    });
    upstream = tlsFront(testCa, mock.port);
    await new Promise<void>((r) => upstream.listen(443, ADDRESS, r));
  });

  after(async () => {
    upstream?.close();
    await mock?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the waypoint connects to the dialled address, verifies it for the SNI and audits that name', async () => {
    const before = mock.requests.length;
    const r = await execDialled(curl('api.openai.com'));
    assert.equal(r.code, 0, r.stderr);
    const { status, body } = parse(r);
    assert.equal(status, '200', JSON.stringify(body));
    const choices = body.choices as { message: { content: string } }[];
    assert.equal(choices[0].message.content, 'Mock reply to: hello dialled');
    assert.equal(mock.requests.length, before + 1, 'the server at the dialled address answered');
    const records = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { host?: string; status?: number });
    assert.equal(records.at(-1)?.host, 'api.openai.com');
  });

  test('an SNI that does not belong to the dialled address is refused with 421, never forwarded', async () => {
    const before = mock.requests.length;
    const r = await execDialled(curl('evil.example.com'));
    const { status, body } = parse(r);
    assert.equal(status, '421', JSON.stringify(body));
    assert.equal((body.error as { semamesh_code?: string }).semamesh_code, 'SM_ERR_WAYPOINT_MISDIRECTED');
    assert.equal(mock.requests.length, before);
  });

  test('a Host header other than the TLS server name is refused with 421', async () => {
    const before = mock.requests.length;
    const r = await execDialled(curl('api.openai.com', '-H', 'Host: evil.example.com'));
    const { status, body } = parse(r);
    assert.equal(status, '421', JSON.stringify(body));
    assert.equal((body.error as { semamesh_code?: string }).semamesh_code, 'SM_ERR_WAYPOINT_MISDIRECTED');
    assert.equal(mock.requests.length, before);
  });
});
