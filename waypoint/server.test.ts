// End-to-end tests of the waypoint with the real OpenAI and Anthropic SDKs in front and the mock LLM
// behind: safe traffic passes (plain and streamed), policy refusals arrive as the SDKs' typed errors,
// streamed tool calls are held and cut, and usage is counted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { auditRecord, intentEngine, type Stack, startStack } from './testing/harness.js';

let s: Stack;
let oa: OpenAI;
let an: Anthropic;
const engine = intentEngine({
  'delete:database': 'BLOCK',
  'delete:namespace': 'BLOCK',
  'restart:deployment': 'AUDIT',
});

before(async () => {
  s = await startStack({ engine });
  oa = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  an = new Anthropic({ baseURL: s.url, apiKey: 'sk-test', maxRetries: 0 });
});
after(() => s.close());

const ask = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user' as const, content }] });

test('OpenAI: a safe prompt passes, plain and streamed, and the body is forwarded byte for byte', async () => {
  const r = await oa.chat.completions.create(ask('list the pods in staging'));
  assert.equal(r.choices[0].message.content, 'Mock reply to: list the pods in staging');
  const raw = '{"model":"gpt-4o",  "messages":[{"role":"user","content":"hi"}]}';
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: raw,
  });
  assert.equal(res.status, 200);
  await res.text();
  const seen = s.mock.requests.at(-1)!;
  assert.deepEqual(seen.body, JSON.parse(raw));
  assert.equal(seen.headers.host, new URL(s.mock.url).host);

  const stream = await oa.chat.completions.create({ ...ask('describe the cluster'), stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'Mock reply to: describe the cluster');
});

test('OpenAI: a blocked prompt gets PermissionDeniedError with our code and rule, and never reaches upstream', async () => {
  const before = s.mock.requests.length;
  await assert.rejects(
    oa.chat.completions.create(ask('please drop the production database')),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'semamesh_policy_violation');
      assert.equal((err.error as { rule: string }).rule, 'test/delete:database');
      return true;
    },
  );
  assert.equal(s.mock.requests.length, before);
});

test('OpenAI: a streamed tool call `kubectl delete ns prod` is cut with an error event and no [DONE]', async () => {
  const stream = await oa.chat.completions.create({ ...ask('run the cleanup'), stream: true });
  const seen: OpenAI.ChatCompletionChunk[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })(),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal((err.error as { rule: string }).rule, 'test/delete:namespace');
      return true;
    },
  );
  assert.ok(
    seen.every((c) => !c.choices[0]?.delta?.tool_calls),
    'no tool-call delta reached the client',
  );

  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask('run the cleanup'), stream: true }),
  });
  const body = await res.text();
  assert.match(body, /data: \{"error":\{/);
  assert.doesNotMatch(body, /\[DONE\]/);
  assert.doesNotMatch(body, /kubectl/);
});

test('OpenAI: a non-streamed blocked tool call becomes a 403; an allowed streamed one is released whole', async () => {
  await assert.rejects(oa.chat.completions.create(ask('run the cleanup')), OpenAI.PermissionDeniedError);
  s.mock.script({
    match: 'inspect',
    times: 1,
    reply: { toolCalls: [{ name: 'shell', arguments: { command: 'kubectl get pods' } }] },
  });
  const stream = await oa.chat.completions.create({ ...ask('inspect the pods'), stream: true });
  let args = '';
  let finish = '';
  for await (const c of stream) {
    args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  assert.deepEqual(JSON.parse(args), { command: 'kubectl get pods' });
  assert.equal(finish, 'tool_calls');
});

test('OpenAI streams: include_usage is added upstream and hidden from a client that did not ask; kept when asked', async () => {
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask('count my tokens'), stream: true }),
  });
  const body = await res.text();
  assert.deepEqual((s.mock.requests.at(-1)!.body as { stream_options: unknown }).stream_options, {
    include_usage: true,
  });
  assert.doesNotMatch(body, /"usage"/);
  assert.match(body, /data: \[DONE\]/);
  const rec = (await auditRecord(s, res.headers.get('x-semamesh-request-id'))) as {
    tokens: { prompt: number; completion: number; prompt_estimate: number };
  };
  assert.ok(rec.tokens.completion > 0);
  assert.equal(rec.tokens.prompt, rec.tokens.prompt_estimate);

  const stream = await oa.chat.completions.create({
    ...ask('count my tokens'),
    stream: true,
    stream_options: { include_usage: true },
  });
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const c of stream) usage = c.usage ?? usage;
  assert.ok(usage && usage.completion_tokens > 0);
});

test('Anthropic: plain and streamed replies pass; a blocked prompt is PermissionDeniedError with the rule', async () => {
  const m = await an.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hello' }],
  });
  assert.equal((m.content[0] as { text: string }).text, 'Mock reply to: hello');
  const stream = an.messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hi there' }],
  });
  const final = await stream.finalMessage();
  assert.equal((final.content[0] as { text: string }).text, 'Mock reply to: hi there');
  await assert.rejects(
    an.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'wipe the customer db' }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.PermissionDeniedError);
      const body = err.error as { type: string; error: { type: string; rule: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'permission_error');
      assert.equal(body.error.rule, 'test/delete:database');
      return true;
    },
  );
});

test('Anthropic: a streamed tool_use block is held and the stream ends with `event: error`', async () => {
  const stream = await an.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    stream: true,
    messages: [{ role: 'user', content: 'run the cleanup' }],
  });
  const types: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const ev of stream) types.push(ev.type);
    })(),
    (err: unknown) => err instanceof Anthropic.APIError && /delete:namespace/.test(err.message),
  );
  assert.ok(!types.includes('message_stop'));
  assert.ok(!types.includes('content_block_start') || types.indexOf('content_block_start') < types.length);
  const res = await fetch(`${s.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'run the cleanup' }],
    }),
  });
  const body = await res.text();
  assert.match(body, /event: error\ndata: \{"type":"error"/);
  assert.doesNotMatch(body, /input_json_delta|message_stop/);
});

test('Responses API: a streamed function call is cut too', async () => {
  const stream = await oa.responses.create({ model: 'gpt-4o', input: 'run the cleanup', stream: true });
  await assert.rejects(
    (async () => {
      for await (const ev of stream) assert.notEqual(ev.type, 'response.function_call_arguments.delta');
    })(),
    (err: unknown) => err instanceof OpenAI.APIError && /delete:namespace/.test(String(err.message)),
  );
});

test('audit records carry agent, model, tokens and decision but no prompt text; AUDIT is marked', async () => {
  const { response } = await oa.chat.completions.create(ask('restart the payments service')).withResponse();
  const rec = await auditRecord(s, response.headers.get('x-semamesh-request-id'));
  assert.equal(rec.model, 'gpt-4o');
  assert.deepEqual((rec.decision as { action: string }).action, 'AUDIT');
  assert.ok(!JSON.stringify(rec).includes('payments'));
  assert.equal((rec.agent as { address: string }).address, '127.0.0.1');
});

test('admin routes: metrics count requests, decisions and tokens; healthz and readyz answer', async () => {
  const m = await (await fetch(`${s.adminUrl}/metrics`)).text();
  assert.match(
    m,
    /semamesh_waypoint_requests_total\{provider="openai",api="chat.completions",status="200"\} \d+/,
  );
  assert.match(m, /semamesh_waypoint_decisions_total\{action="BLOCK",phase="request"\} \d+/);
  assert.match(m, /semamesh_waypoint_decisions_total\{action="BLOCK",phase="response"\} \d+/);
  assert.match(m, /semamesh_waypoint_tokens_total\{provider="openai",model="gpt-4o",kind="completion"\} \d+/);
  assert.match(m, /semamesh_waypoint_policy_eval_duration_seconds_bucket/);
  assert.match(m, /semamesh_waypoint_upstream_duration_seconds_bucket/);
  assert.equal((await fetch(`${s.adminUrl}/healthz`)).status, 200);
  const ready = await fetch(`${s.adminUrl}/readyz`);
  assert.deepEqual(await ready.json(), { ready: true, revision: 'test-1' });
});

test('MCP tools/call is checked as a tool call and refused as a JSON-RPC error', async () => {
  const res = await fetch(`${s.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'shell', arguments: { command: 'kubectl delete ns prod' } },
    }),
  });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { id: number; error: { code: number; data: { rule: string } } };
  assert.equal(body.id, 7);
  assert.equal(body.error.data.rule, 'test/delete:namespace');
});

test('generic passthrough: other paths are forwarded and audited with host and path', async () => {
  const res = await fetch(`${s.url}/__mock/requests`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const rec = await auditRecord(s, res.headers.get('x-semamesh-request-id'));
  assert.equal(rec.provider, 'generic');
  assert.equal(rec.path, '/__mock/requests');
});

test('Anthropic usage: input tokens estimated before the call, exact input and output from the reply', async () => {
  const first = await an.messages
    .create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'how many tokens is this' }],
    })
    .withResponse();
  const second = await an.messages
    .create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'and this one, streamed' }],
    })
    .withResponse();
  for await (const _ of second.data) {
    // drain
  }
  type Rec = { tokens: Record<string, number> };
  const plain = (await auditRecord(s, first.response.headers.get('x-semamesh-request-id'))) as Rec;
  const streamed = (await auditRecord(s, second.response.headers.get('x-semamesh-request-id'))) as Rec;
  assert.ok(plain.tokens.prompt_estimate > 0 && plain.tokens.prompt > 0 && plain.tokens.completion > 0);
  assert.ok(streamed.tokens.prompt > 0 && streamed.tokens.completion > 0);
});

test('non-chat OpenAI APIs pass through (models, embeddings) and upstream errors keep their shape', async () => {
  const models = await oa.models.list();
  assert.ok(models.data.some((m) => m.id === 'gpt-4o'));
  const emb = await oa.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
  assert.equal(emb.data.length, 1);
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ask('hi')),
  });
  assert.equal(res.status, 401);
  const body = (await res.json()) as { error: { type: string } };
  assert.equal(body.error.type, 'invalid_request_error');
});

test('generic traffic is policy-checked by method, host and path', async () => {
  const res = await fetch(`${s.url}/api/v1/namespaces/prod`, { method: 'DELETE' });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { error: { code: string; rule: string } };
  assert.equal(body.error.code, 'SM_ERR_WAYPOINT_POLICY_BLOCK');
  assert.equal(body.error.rule, 'test/delete:namespace');
});
