// The fast path (a POST of JSON with a declared length, read without fastify) and the fastify path
// must govern the same request the same way: same refusal, same forwarded bytes, an audit record
// each; and a client that leaves mid-body is neither forwarded nor a reason to stop serving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { takesFastPath } from './fast-path.js';
import { auditRecord, intentEngine, type Stack, startStack } from './testing/harness.js';

let s: Stack;
before(async () => {
  s = await startStack({ engine: intentEngine({ 'delete:database': 'BLOCK' }) });
});
after(() => s.close());

const destructive = JSON.stringify({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Please drop the production database now.' }],
});
const benign = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'list the pods' }] });

/** One POST written by hand, so the framing (length or chunked) and the content type are exact. */
function rawPost(
  body: string,
  contentType: string,
  chunked: boolean,
): Promise<{ status: number; text: string; id: string; code: string }> {
  const { port } = new URL(s.url);
  const framing = chunked
    ? `transfer-encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`
    : `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const request = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer k\r\ncontent-type: ${contentType}\r\nconnection: close\r\n${framing}`;
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.write(request));
    let out = '';
    sock.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    sock.on('error', reject);
    sock.on('close', () => {
      const status = Number(out.slice(9, 12));
      const header = (name: string) => new RegExp(`${name}: ([\\w-]+)`, 'i').exec(out)?.[1] ?? '';
      const text = out.slice(out.indexOf('\r\n\r\n') + 4);
      resolve({ status, text, id: header('x-semamesh-request-id'), code: header('x-semamesh-error') });
    });
  });
}

const FRAMINGS: Array<[string, string, boolean, boolean]> = [
  // content type, chunked, takes the fast path
  ['application/json', false, true],
  ['application/json; charset=utf-8', false, true],
  ['application/json', true, false],
  ['Application/JSON', false, false],
  ['application/vnd.api+json', false, false],
].map(([ct, chunked, fast]) => [
  `${ct}${chunked ? ', chunked' : ''}`,
  ct as string,
  chunked as boolean,
  fast as boolean,
]);

for (const [name, contentType, chunked, fast] of FRAMINGS) {
  test(`${name} (${fast ? 'fast path' : 'fastify'}): refused and forwarded like every other framing`, async () => {
    const headers = {
      'content-type': contentType,
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': '10' }),
    };
    assert.equal(takesFastPath({ method: 'POST', headers } as never, 1024), fast);

    const refused = await rawPost(destructive, contentType, chunked);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.code, 'SM_ERR_WAYPOINT_POLICY_BLOCK');
    assert.equal(JSON.parse(refused.text).error.code, 'semamesh_policy_violation');
    assert.equal(((await auditRecord(s, refused.id)).decision as { action: string }).action, 'BLOCK');

    const before = s.mock.requests.length;
    const allowed = await rawPost(benign, contentType, chunked);
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(s.mock.requests.length, before + 1);
    assert.deepEqual(s.mock.requests.at(-1)!.body, JSON.parse(benign));
    assert.equal(((await auditRecord(s, allowed.id)).decision as { action: string }).action, 'ALLOW');
  });
}

test('a client that leaves mid-body is not forwarded, and the waypoint keeps serving', async () => {
  const { port } = new URL(s.url);
  const before = s.mock.requests.length;
  await new Promise<void>((resolve) => {
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${benign.length + 50}\r\n\r\n${benign}`,
      );
      setTimeout(() => sock.destroy(), 50);
    });
    sock.on('close', () => resolve());
  });
  const next = await rawPost(benign, 'application/json', false);
  assert.equal(next.status, 200);
  assert.equal(s.mock.requests.length, before + 1);
});

test('bodies above the limit or without a declared length never take the fast path', () => {
  const post = (headers: Record<string, string>) => takesFastPath({ method: 'POST', headers } as never, 100);
  assert.equal(post({ 'content-type': 'application/json', 'content-length': '101' }), false);
  assert.equal(post({ 'content-type': 'application/json', 'content-length': '100' }), true);
  assert.equal(post({ 'content-type': 'application/json' }), false);
  assert.equal(post({ 'content-type': 'application/json', 'content-length': '1e2' }), false);
  assert.equal(
    takesFastPath(
      { method: 'PUT', headers: { 'content-type': 'application/json', 'content-length': '2' } } as never,
      100,
    ),
    false,
  );
});
