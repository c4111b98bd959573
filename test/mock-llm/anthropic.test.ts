// Drives the mock's Anthropic endpoints with the real `@anthropic-ai/sdk` client, MessageStream included.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { createMockLlm, type MockLlm } from './index.js';

let mock: MockLlm;
let client: Anthropic;

before(async () => {
  mock = await createMockLlm({ apiKeys: ['sk-ant-test'] });
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

const shellTool: Anthropic.Tool = {
  name: 'shell',
  description: 'run a shell command',
  input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

describe('messages', () => {
  test('plain reply with usage and end_turn', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hello world' }],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Mock reply to: Hello world' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, 6);
    assert.ok(msg.usage.input_tokens > 2);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
    const rec = mock.requests[0];
    assert.equal(rec.api, 'messages');
    assert.equal(rec.family, 'anthropic');
    // SDK 1.x authenticates with a Bearer token; the value is not recorded.
    assert.equal(rec.headers.authorization, 'Bearer [redacted]');
  });

  test('streamed text arrives as text_delta events and finalMessage() rebuilds it', async () => {
    mock.script({ reply: { text: 'alpha beta gamma' } });
    const stream = client.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'go' }],
    });
    const deltas: string[] = [];
    const types: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    assert.deepEqual(deltas, ['alpha', ' beta', ' gamma']);
    assert.deepEqual(final.content, [{ type: 'text', text: 'alpha beta gamma' }]);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 3);
    assert.deepEqual(types.slice(0, 2), ['message_start', 'content_block_start']);
    assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
  });

  test('a streamed tool_use block is reassembled from input_json_delta pieces', async () => {
    mock.script({
      match: /clean/i,
      reply: {
        text: 'Running it.',
        toolCalls: [{ name: 'shell', arguments: { command: 'rm -rf /tmp/cache' } }],
      },
    });
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [shellTool],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Clean the cache' }] }],
    });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.content.length, 2);
    assert.deepEqual(final.content[0], { type: 'text', text: 'Running it.' });
    const block = final.content[1];
    assert.ok(block.type === 'tool_use');
    assert.equal(block.name, 'shell');
    assert.deepEqual(block.input, { command: 'rm -rf /tmp/cache' });
    assert.match(block.id, /^toolu_/);
    assert.ok(partials.length >= 2, `input arrived in ${partials.length} pieces`);
  });

  test('the canned demo script answers with a tool_use block (plain)', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'run the cleanup' }],
    });
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.content.length, 1);
    const block = msg.content[0];
    assert.ok(block.type === 'tool_use');
    assert.deepEqual(block.input, { command: 'kubectl delete ns prod' });
  });

  test('after a tool_result the reply echoes the result', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      messages: [
        { role: 'user', content: 'run the cleanup' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'shell', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done: 3 pods gone' }],
        },
      ],
    });
    assert.equal(msg.stop_reason, 'end_turn');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Mock reply to: done: 3 pods gone' }]);
  });

  test('max_tokens cuts the reply with stop_reason max_tokens', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a long question' }],
    });
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.usage.output_tokens, 2);
    const first = msg.content[0];
    assert.ok(first.type === 'text' && first.text === 'Mock reply');
  });

  test('a missing max_tokens is a BadRequestError in Anthropic form', async () => {
    await assert.rejects(
      client.messages.create({
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'x' }],
      } as never),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        (err.error as { error?: { type?: string } }).error?.type === 'invalid_request_error',
    );
  });

  test('scripted overload (529) surfaces as an API error of that status', async () => {
    mock.script({ times: 1, reply: { status: 529 } });
    await assert.rejects(
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) =>
        err instanceof Anthropic.APIError &&
        err.status === 529 &&
        (err.error as { error?: { type?: string } }).error?.type === 'overloaded_error',
    );
  });
});

describe('count_tokens and models', () => {
  test('count_tokens matches the input_tokens that messages reports', async () => {
    const params = {
      model: 'claude-sonnet-4-5',
      system: 'Be kind.',
      tools: [shellTool],
      messages: [{ role: 'user' as const, content: 'How many tokens is this?' }],
    };
    const counted = await client.messages.countTokens(params);
    const msg = await client.messages.create({ ...params, max_tokens: 50 });
    assert.ok(counted.input_tokens > 10);
    assert.equal(counted.input_tokens, msg.usage.input_tokens);
  });

  test('models list in Anthropic shape', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('claude-sonnet-4-5'));
    assert.ok(ids.every((id) => id.startsWith('claude')));
  });
});

describe('authentication', () => {
  test('x-api-key is accepted as the 0.x SDKs send it', async () => {
    const legacy = new Anthropic({
      apiKey: 'unused',
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { Authorization: null, 'x-api-key': 'sk-ant-test' },
    });
    const msg = await legacy.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(mock.requests[0].headers['x-api-key'], '[redacted]');
    assert.equal(mock.requests[0].headers.authorization, undefined);
  });

  test('a wrong key is an AuthenticationError', async () => {
    const bad = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: mock.url, maxRetries: 0 });
    await assert.rejects(
      bad.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      Anthropic.AuthenticationError,
    );
  });

  test('no credentials at all is an AuthenticationError with authentication_error type', async () => {
    const anon = new Anthropic({
      apiKey: 'unused',
      baseURL: mock.url,
      maxRetries: 0,
      defaultHeaders: { Authorization: null },
    });
    await assert.rejects(
      anon.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) =>
        err instanceof Anthropic.AuthenticationError &&
        (err.error as { error?: { type?: string; message?: string } }).error?.message ===
          'x-api-key header is required',
    );
    assert.equal(mock.requests[0].headers.authorization, undefined);
  });
});
