// Drives the mock's OpenAI endpoints with the real `openai` v6 client, streaming helpers included.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { createMockLlm, embeddingVector, type MockLlm } from './index.js';

let mock: MockLlm;
let client: OpenAI;

before(async () => {
  mock = await createMockLlm({ apiKeys: ['sk-test'] });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

const shellTool = {
  type: 'function' as const,
  function: {
    name: 'shell',
    description: 'run a shell command',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
};

describe('chat completions', () => {
  test('plain reply echoes the last user message and reports real usage', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello world' },
      ],
    });
    const choice = res.choices[0];
    assert.equal(choice.message.content, 'Mock reply to: Hello world');
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'gpt-4o');
    // o200k: "Mock reply to: Hello world" is 6 tokens; the prompt is 2 messages × (3 + role + content) + 3.
    assert.equal(res.usage?.completion_tokens, 6);
    assert.equal(res.usage?.prompt_tokens, 3 + (3 + 1 + 4) + (3 + 1 + 2));
    assert.equal(res.usage?.total_tokens, (res.usage?.prompt_tokens ?? 0) + 6);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, 0);
    assert.equal(res.usage?.completion_tokens_details?.reasoning_tokens, 0);
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0].api, 'chat.completions');
    assert.equal(mock.requests[0].headers.authorization, 'Bearer [redacted]');
  });

  test('streaming with include_usage ends with a usage chunk whose choices are empty', async () => {
    mock.script({ reply: { text: 'one two three four', chunks: 4 } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'one two three four');
    assert.equal(chunks.filter((c) => c.choices[0]?.delta.content).length, 4);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    assert.equal(finish?.choices[0].finish_reason, 'stop');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 4);
    assert.ok((last.usage?.prompt_tokens ?? 0) > 0);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  test('streaming without include_usage sends no usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  });

  test('a scripted streaming tool call is reassembled by the stream helper', async () => {
    mock.script({
      match: 'deploy',
      reply: { toolCalls: [{ name: 'shell', arguments: { command: 'kubectl rollout restart deploy/api' } }] },
    });
    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'please deploy the api' }],
      tools: [shellTool],
      stream_options: { include_usage: true },
    });
    const argDeltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (e) => argDeltas.push(e.arguments_delta));
    const final = await stream.finalChatCompletion();
    const msg = final.choices[0].message;
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    assert.equal(msg.tool_calls?.length, 1);
    const call = msg.tool_calls![0];
    assert.equal(call.type, 'function');
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'shell');
    assert.deepEqual(JSON.parse(call.function.arguments), { command: 'kubectl rollout restart deploy/api' });
    assert.match(call.id, /^call_/);
    assert.ok(argDeltas.length >= 3, `arguments arrived in ${argDeltas.length} deltas`);
    assert.equal(argDeltas.join(''), call.function.arguments);
    assert.ok((final.usage?.completion_tokens ?? 0) > 0);
  });

  test('the canned demo script answers "run the cleanup" with a shell tool call (plain)', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Please RUN THE CLEANUP now' }],
      tools: [shellTool],
    });
    const call = res.choices[0].message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'shell');
    assert.deepEqual(JSON.parse(call.function.arguments), { command: 'kubectl delete ns prod' });
    assert.equal(res.choices[0].finish_reason, 'tool_calls');
  });

  test('after a tool result the reply echoes the tool output, so agent loops end', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'run the cleanup' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'namespace "prod" deleted' },
      ],
    });
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.choices[0].message.content, 'Mock reply to: namespace "prod" deleted');
  });

  test('max_completion_tokens cuts the reply and reports finish_reason length', async () => {
    mock.script({ reply: { text: 'alpha beta gamma delta epsilon zeta eta theta' } });
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'list' }],
      max_completion_tokens: 3,
    });
    assert.equal(res.choices[0].finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 3);
    assert.ok('alpha beta gamma delta'.startsWith(res.choices[0].message.content ?? 'x'));
    const legacy = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'list' }],
      max_tokens: 1000,
    });
    assert.equal(legacy.choices[0].finish_reason, 'stop');
  });

  test('stream_options without stream is refused like the real API', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'x' }],
        stream_options: { include_usage: true },
      }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'stream_options',
    );
  });

  test('scripted errors surface as the SDK typed errors', async () => {
    mock.script({ times: 1, reply: { status: 429, error: { message: 'slow down' } } });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.message.includes('slow down'),
    );
    const ok = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(ok.choices[0].message.content, 'Mock reply to: x');
  });
});

describe('responses API', () => {
  test('plain response carries output text and usage', async () => {
    const res = await client.responses.create({
      model: 'gpt-4.1',
      input: 'Hello world',
      instructions: 'Be brief.',
    });
    assert.equal(res.status, 'completed');
    assert.equal(res.output_text, 'Mock reply to: Hello world');
    assert.equal(res.usage?.output_tokens, 6);
    assert.ok((res.usage?.input_tokens ?? 0) > 2);
    assert.equal(res.usage?.total_tokens, (res.usage?.input_tokens ?? 0) + 6);
    assert.equal(res.instructions, 'Be brief.');
  });

  test('streaming emits created, text deltas and completed with usage; the helper rebuilds the text', async () => {
    mock.script({ reply: { text: 'streamed answer here' } });
    const stream = client.responses.stream({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'go' }] }],
    });
    const types: string[] = [];
    const deltas: string[] = [];
    stream.on('event', (e) => types.push(e.type));
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'streamed answer here');
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.deepEqual(deltas, ['streamed', ' answer', ' here']);
    assert.equal(final.usage?.output_tokens, 4); // o200k: stream|ed| answer| here
  });

  test('a function call streams its arguments in several deltas', async () => {
    mock.script({ reply: { toolCalls: [{ name: 'shell', arguments: { command: 'ls -la /var/lib' } }] } });
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'list files', stream: true });
    let argDeltas = 0;
    let done: OpenAI.Responses.Response | undefined;
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') argDeltas++;
      if (e.type === 'response.completed') done = e.response;
    }
    assert.ok(argDeltas >= 2);
    const item = done?.output[0];
    assert.ok(item?.type === 'function_call');
    assert.equal(item.name, 'shell');
    assert.deepEqual(JSON.parse(item.arguments), { command: 'ls -la /var/lib' });
  });

  test('max_output_tokens makes the response incomplete', async () => {
    mock.script({ reply: { text: 'one two three four five six seven' } });
    const res = await client.responses.create({ model: 'gpt-4.1', input: 'x', max_output_tokens: 2 });
    assert.equal(res.status, 'incomplete');
    assert.equal(res.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(res.usage?.output_tokens, 2);
  });
});

describe('embeddings, legacy completions, models', () => {
  test('embeddings are deterministic unit vectors honouring dimensions (base64 and float)', async () => {
    const b64 = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      dimensions: 64,
    });
    assert.equal(b64.data.length, 2);
    assert.equal(b64.data[0].embedding.length, 64);
    assert.deepEqual(b64.data[0].embedding, embeddingVector('text-embedding-3-small', 'a', 64));
    assert.notDeepEqual(b64.data[0].embedding, b64.data[1].embedding);
    const norm = Math.sqrt(b64.data[0].embedding.reduce((n, v) => n + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5);
    const float = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'a',
      dimensions: 64,
      encoding_format: 'float',
    });
    assert.deepEqual(float.data[0].embedding, b64.data[0].embedding);
    assert.equal(float.usage.prompt_tokens, 1);
    const full = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'a' });
    assert.equal(full.data[0].embedding.length, 3072);
    await assert.rejects(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'a', dimensions: 5000 }),
      OpenAI.BadRequestError,
    );
  });

  test('legacy completions answer plain and streamed', async () => {
    const res = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    assert.equal(res.choices[0].text, 'Mock reply to: Say hi');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, 2);
    const stream = await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hi',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? '';
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, 'Mock reply to: Say hi');
    assert.equal(usage?.completion_tokens, res.usage?.completion_tokens);
  });

  test('models list and retrieve; an unknown model is a NotFoundError', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('gpt-4o') && ids.includes('text-embedding-3-small'));
    const one = await client.models.retrieve('gpt-4o');
    assert.equal(one.object, 'model');
    await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  });
});

describe('authentication', () => {
  test('a wrong key is an AuthenticationError with code invalid_api_key', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && err.code === 'invalid_api_key',
    );
    assert.equal(mock.requests[0].status, 401);
  });

  test('no Authorization header at all is an AuthenticationError', async () => {
    const anon = new OpenAI({
      apiKey: 'unused',
      baseURL: `${mock.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { Authorization: null },
    });
    await assert.rejects(
      anon.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) =>
        err instanceof OpenAI.AuthenticationError && /didn't provide an API key/.test(err.message),
    );
    assert.equal(mock.requests[0].headers.authorization, undefined);
  });
});
