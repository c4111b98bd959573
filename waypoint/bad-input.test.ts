// Hostile and broken requests: each gets a coded 4xx in the provider's shape (or a 408 for a slow
// client), nothing hangs or crashes, and the waypoint keeps serving afterwards.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { intentEngine, type Stack, startStack } from './testing/harness.js';

let s: Stack;
before(async () => {
  s = await startStack({ engine: intentEngine({}), requestTimeoutMs: 1500, headersTimeoutMs: 1000 });
});
after(() => s.close());

const headers = { authorization: 'Bearer k', 'content-type': 'application/json' };

async function post(path: string, body: string | Buffer, h: Record<string, string> = headers) {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: h, body });
  const text = await res.text();
  let json: { error?: { code?: string; semamesh_code?: string; type?: string } } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // some refusals (408 from Node itself) have no JSON body
  }
  return { status: res.status, json, text };
}

// After every bad request, a good one must still work.
afterEach(async () => {
  const r = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ok?' }] }),
  );
  assert.equal(r.status, 200);
});

test('malformed JSON → 400 SM_ERR_WAYPOINT_BODY_INVALID in the OpenAI shape', async () => {
  const r = await post('/v1/chat/completions', '{"model": "gpt-4o", "messages": [');
  assert.equal(r.status, 400);
  assert.equal(r.json.error?.code, 'SM_ERR_WAYPOINT_BODY_INVALID');
  assert.equal(r.json.error?.type, 'invalid_request_error');
});

test('wrong content type → 415 SM_ERR_WAYPOINT_CONTENT_TYPE', async () => {
  const r = await post('/v1/chat/completions', 'model=gpt-4o', {
    authorization: 'Bearer k',
    'content-type': 'text/plain',
  });
  assert.equal(r.status, 415);
  assert.equal(r.json.error?.code, 'SM_ERR_WAYPOINT_CONTENT_TYPE');
});

test('a 50 MB body → 413 SM_ERR_WAYPOINT_BODY_TOO_LARGE', async () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
  const r = await post('/v1/chat/completions', big).catch((err: Error) => ({
    status: -1,
    json: {},
    text: String(err),
  }));
  // The waypoint answers 413 and may close before the client finished sending; both are a refusal.
  if (r.status !== -1) {
    assert.equal(r.status, 413);
    assert.equal((r.json as { error?: { code?: string } }).error?.code, 'SM_ERR_WAYPOINT_BODY_TOO_LARGE');
  } else assert.match(r.text, /fetch failed|socket|EPIPE|ECONNRESET/i);
});

test('a 50 MB body on a raw socket gets a 413 status line', async () => {
  const { port } = new URL(s.url);
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', (err) => (got ? resolve(got) : reject(err)));
    sock.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`,
    );
    sock.write(Buffer.alloc(1024 * 1024, 0x20));
  });
  assert.match(reply, /^HTTP\/1\.1 413/);
});

test('deeply nested JSON → 400, no stack overflow', async () => {
  const deep = `{"model":"gpt-4o","messages":[{"role":"user","content":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
  const r = await post('/v1/chat/completions', deep);
  assert.equal(r.status, 400);
  assert.equal(r.json.error?.code, 'SM_ERR_WAYPOINT_BODY_INVALID');
  assert.match(r.text, /nests deeper/);
});

test('invalid UTF-8 → 400', async () => {
  const bytes = Buffer.concat([
    Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"'),
    Buffer.from([0xc3, 0x28, 0xff]),
    Buffer.from('"}]}'),
  ]);
  const r = await post('/v1/chat/completions', bytes);
  assert.equal(r.status, 400);
  assert.match(r.text, /UTF-8/);
});

test('missing fields → 400 SM_ERR_WAYPOINT_REQUEST_INVALID (OpenAI and Anthropic shapes)', async () => {
  const a = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o' }));
  assert.equal(a.status, 400);
  assert.equal(a.json.error?.code, 'SM_ERR_WAYPOINT_REQUEST_INVALID');
  const b = await post('/v1/messages', JSON.stringify({ model: 'claude-haiku-4-5', messages: [] }), {
    'x-api-key': 'k',
    'content-type': 'application/json',
  });
  assert.equal(b.status, 400);
  const body = JSON.parse(b.text) as { type: string; error: { type: string; code: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.code, 'SM_ERR_WAYPOINT_REQUEST_INVALID');
  assert.match(b.text, /max_tokens/);
  const c = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'gpt-4o', messages: [{ content: 'no role' }] }),
  );
  assert.equal(c.status, 400);
  const d = await post('/v1/chat/completions', JSON.stringify([1, 2, 3]));
  assert.equal(d.status, 400);
});

test('a slow client (headers never finished, then a body that never arrives) gets 408, no hang', async () => {
  const { port } = new URL(s.url);
  const send = (first: string) =>
    new Promise<string>((resolve) => {
      const sock = connect(Number(port), '127.0.0.1');
      let got = '';
      sock.on('data', (d) => {
        got += d.toString('latin1');
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => undefined);
      sock.write(first);
    });
  const headersOnly = await send('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
  assert.match(headersOnly, /^HTTP\/1\.1 408/);
  const bodyMissing = await send(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":',
  );
  assert.match(bodyMissing, /^HTTP\/1\.1 408/);
});
