// Proxy mechanics against hand-made upstreams: hop-by-hop headers stripped both ways, client aborts
// cancel the upstream request, unreachable upstreams give a coded 502 in the provider's shape, and
// transparent mode routes by the original destination.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createMockLlm } from '../test/mock-llm/index.js';
import { createWaypoint, type Waypoint, type WaypointOptions } from './server.js';
import { intentEngine } from './testing/harness.js';

async function upstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const chatBody = JSON.stringify({
  model: 'gpt-4o',
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
});

test('hop-by-hop headers are stripped in both directions and host is rewritten', async () => {
  let seen: IncomingMessage['headers'] = {};
  const up = await upstream((req, res) => {
    seen = req.headers;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'x-hop', 'x-hop': '1', 'x-kept': '2' });
    res.end('ok');
  });
  const { wp, url } = await listening({
    routes: [{ provider: 'generic', upstream: up.url }],
  });
  try {
    // node:http, unlike fetch, lets a client send Connection and TE as given.
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = request(`${url}/anything`, {
        method: 'POST',
        headers: {
          connection: 'x-drop-me',
          'x-drop-me': '1',
          te: 'trailers',
          'proxy-authorization': 'Basic x',
          'x-keep': 'yes',
        },
      });
      r.on('response', resolve).on('error', reject);
      r.end('raw bytes');
    });
    res.setEncoding('utf8');
    let text = '';
    for await (const c of res) text += c;
    assert.equal(text, 'ok');
    assert.equal(seen['x-drop-me'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen['proxy-authorization'], undefined);
    assert.equal(seen['x-keep'], 'yes');
    assert.equal(seen.host, new URL(up.url).host);
    assert.equal(res.headers['x-hop'], undefined);
    assert.equal(res.headers['x-kept'], '2');
  } finally {
    await wp.close();
    up.server.close();
  }
});

test('a client abort mid-stream cancels the upstream request', async () => {
  let upstreamClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => {
    upstreamClosed = r;
  });
  const up = await upstream((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"first"},"finish_reason":null}]}\n\n');
    res.on('close', () => upstreamClosed());
    // never ends on its own
  });
  const { wp, url } = await listening({
    routes: [{ provider: 'openai', upstream: up.url }],
  });
  try {
    const ac = new AbortController();
    const res = await postChat(url, chatBody, ac.signal);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.match(Buffer.from(first.value!).toString(), /first/);
    ac.abort();
    await closed;
  } finally {
    await wp.close();
    up.server.close();
  }
});

test('an unreachable upstream gives a coded 502 in the OpenAI and Anthropic shapes', async () => {
  const dead = await upstream(() => undefined);
  const deadUrl = dead.url;
  dead.server.close();
  await once(dead.server, 'close');
  const { wp, url } = await listening({
    routes: [
      { provider: 'openai', upstream: deadUrl },
      { provider: 'anthropic', upstream: deadUrl },
    ],
  });
  try {
    const oa = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(
      oa.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.InternalServerError);
        assert.equal(err.status, 502);
        assert.equal(err.code, 'SM_ERR_WAYPOINT_UPSTREAM');
        return true;
      },
    );
    const an = new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(
      an.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (err: unknown) => err instanceof Anthropic.InternalServerError && err.status === 502,
    );
  } finally {
    await wp.close();
  }
});

test('an upstream that breaks mid-stream ends the client stream with a coded error event', async () => {
  const up = await upstream((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"partial"},"finish_reason":null}]}\n\n', () =>
      setTimeout(() => res.socket?.destroy(), 10),
    );
  });
  const { wp, url } = await listening({
    routes: [{ provider: 'openai', upstream: up.url }],
  });
  try {
    const res = await postChat(url, chatBody);
    const text = await res.text();
    assert.match(text, /partial/);
    assert.match(text, /data: \{"error":\{.*"semamesh_code":"SM_ERR_WAYPOINT_UPSTREAM"/);
    assert.doesNotMatch(text, /\[DONE\]/);
  } finally {
    await wp.close();
    up.server.close();
  }
});

test('a non-streamed reply too large to inspect is refused (fail-closed), not passed unchecked', async () => {
  const up = await upstream((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(4096) } }] }),
    );
  });
  const { wp, url } = await listening({
    routes: [{ provider: 'openai', upstream: up.url }],
    maxResponseBytes: 1024,
  });
  try {
    const res = await postChat(
      url,
      JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(res.status, 502);
    assert.equal(
      ((await res.json()) as { error: { code: string } }).error.code,
      'SM_ERR_WAYPOINT_RESPONSE_TOO_LARGE',
    );
  } finally {
    await wp.close();
    up.server.close();
  }
});

test('transparent mode: the original destination picks the upstream; prefixes route explicitly', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const { port } = new URL(mock.url);
  const { wp, url } = await listening({
    originalDestination: (socket) =>
      socket.remotePort ? { host: '127.0.0.1', port: Number(port) } : undefined,
  });
  const { wp: wp2, url: url2 } = await listening({
    routes: [{ prefix: '/llm/openai', upstream: mock.url }],
  });
  try {
    const oa = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
    const r = await oa.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'via eBPF' }],
    });
    assert.equal(r.choices[0].message.content, 'Mock reply to: via eBPF');
    const oa2 = new OpenAI({ baseURL: `${url2}/llm/openai/v1`, apiKey: 'k', maxRetries: 0 });
    const r2 = await oa2.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'via prefix' }],
    });
    assert.equal(r2.choices[0].message.content, 'Mock reply to: via prefix');
    assert.equal(mock.requests.at(-1)!.path, '/v1/chat/completions');
  } finally {
    await wp.close();
    await wp2.close();
    await mock.close();
  }
});

/** A waypoint with the allow-all intent engine, no logs and no audit, listening on a free port. */
async function listening(options: WaypointOptions): Promise<{ wp: Waypoint; url: string }> {
  const wp = await createWaypoint({
    engine: intentEngine({}),
    logger: false,
    auditStream: devNull(),
    ...options,
  });
  const { url } = await wp.listen();
  return { wp, url };
}

/** POST of a chat completion body to the waypoint at `url`, as an OpenAI client sends it. */
const postChat = (url: string, body: string, signal?: AbortSignal) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
    body,
    signal,
  });

function devNull(): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
}
