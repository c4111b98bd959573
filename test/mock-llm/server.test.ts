// Raw-HTTP tests of the mock server: provider error shapes, routing, recording, the scripting API in
// code and over /__mock, delays and aborted streams.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createMockLlm, type MockLlm, MockLlmError } from './index.js';

let mock: MockLlm;

before(async () => {
  mock = await createMockLlm({ maxRecorded: 5 });
});
after(() => mock.close());
beforeEach(() => mock.reset());

const OPENAI = { authorization: 'Bearer sk-secret', 'content-type': 'application/json' };
const ANTHROPIC = {
  'x-api-key': 'sk-ant-secret',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
};

async function post(path: string, body: unknown, headers: Record<string, string> = OPENAI) {
  const res = await fetch(mock.url + path, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function chat(content: string, extra: Record<string, unknown> = {}) {
  return post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });
}

function replyText(text: string): string {
  return JSON.parse(text).choices[0].message.content;
}

describe('errors in the providers formats', () => {
  test('malformed JSON is a 400 in OpenAI form', async () => {
    const res = await post('/v1/chat/completions', '{"model": "gpt-4o", ');
    assert.equal(res.status, 400);
    const body = JSON.parse(res.text);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, null);
    assert.equal(body.error.code, null);
    assert.equal(mock.requests[0].body, '{"model": "gpt-4o", ');
    assert.equal(mock.requests[0].status, 400);
  });

  test('malformed JSON is a 400 in Anthropic form', async () => {
    const res = await post('/v1/messages', 'not json', ANTHROPIC);
    assert.equal(res.status, 400);
    const body = JSON.parse(res.text);
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(typeof body.error.message, 'string');
  });

  test('a JSON body that is not an object is refused too', async () => {
    assert.equal((await post('/v1/chat/completions', '[1,2]')).status, 400);
  });

  test('missing model or messages is a 400 naming the parameter', async () => {
    const noModel = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(noModel.status, 400);
    assert.match(JSON.parse(noModel.text).error.message, /model/);
    const noMessages = await post('/v1/chat/completions', { model: 'gpt-4o' });
    assert.equal(noMessages.status, 400);
    assert.equal(JSON.parse(noMessages.text).error.param, 'messages');
    const anthropic = await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 5 }, ANTHROPIC);
    assert.equal(anthropic.status, 400);
    assert.match(JSON.parse(anthropic.text).error.message, /messages/);
    const bad = await chat('x', { max_tokens: -1 });
    assert.equal(JSON.parse(bad.text).error.param, 'max_tokens');
  });

  test('unknown paths and wrong methods are 404 in the caller family form', async () => {
    const o = await post('/v1/nothing', {});
    assert.equal(o.status, 404);
    assert.equal(JSON.parse(o.text).error.message, 'Invalid URL (POST /v1/nothing)');
    const get = await fetch(`${mock.url}/v1/chat/completions`, { headers: OPENAI });
    assert.equal(get.status, 404);
    const a = await post('/v1/messages/nothing', {}, ANTHROPIC);
    assert.equal(a.status, 404);
    assert.equal(JSON.parse(a.text).error.type, 'not_found_error');
  });

  test('OpenAI paths need Authorization; x-api-key alone does not do', async () => {
    const res = await post(
      '/v1/embeddings',
      { model: 'text-embedding-3-small', input: 'x' },
      {
        'x-api-key': 'k',
      },
    );
    assert.equal(res.status, 401);
    assert.match(JSON.parse(res.text).error.message, /didn't provide an API key/);
    const bare = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'x' }, {});
    assert.equal(bare.status, 401);
    assert.equal(JSON.parse(bare.text).error.type, 'invalid_request_error');
  });
});

describe('recording', () => {
  test('records method, path, query, parsed body and redacted credentials, keeping the last N', async () => {
    await post(
      '/v1/messages?beta=true',
      { model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] },
      ANTHROPIC,
    );
    const rec = mock.requests[0];
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v1/messages');
    assert.equal(rec.query, 'beta=true');
    assert.equal(rec.headers['x-api-key'], '[redacted]');
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(rec.body, {
      model: 'claude',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'a' }],
    });
    assert.equal(rec.status, 200);
    assert.ok(!JSON.stringify(mock.requests).includes('sk-ant-secret'));
    for (let i = 0; i < 7; i++) await chat(`m${i}`);
    assert.equal(mock.requests.length, 5);
    assert.deepEqual(
      mock.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0].content),
      ['m2', 'm3', 'm4', 'm5', 'm6'],
    );
  });

  test('GET /__mock/requests returns the record and control calls are not recorded', async () => {
    await chat('hello');
    const res = await fetch(`${mock.url}/__mock/requests`);
    const { requests } = (await res.json()) as {
      requests: { path: string; headers: Record<string, string> }[];
    };
    assert.equal(requests.length, 1);
    assert.equal(requests[0].path, '/v1/chat/completions');
    assert.equal(requests[0].headers.authorization, 'Bearer [redacted]');
    assert.equal(mock.requests.length, 1);
  });
});

describe('scripting', () => {
  test('first match wins, string and regex matches, times uses an entry up', async () => {
    const once = mock.script({ match: 'deploy', times: 1, reply: { text: 'first' } });
    mock.script({ match: /^deploy/i, reply: { text: 'second' } });
    mock.script({ reply: { text: 'fallback' } });
    assert.equal(replyText((await chat('deploy now')).text), 'first');
    assert.equal(once.hits, 1);
    assert.equal(replyText((await chat('deploy now')).text), 'second');
    assert.equal(replyText((await chat('Deploy now')).text), 'second');
    assert.equal(replyText((await chat('something else')).text), 'fallback');
  });

  test('the default reply echoes the first 60 characters of the last user message', async () => {
    const long = `${'word '.repeat(30)}end`;
    const res = await post('/v1/chat/completions', {
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: long }] },
      ],
    });
    assert.equal(replyText(res.text), `Mock reply to: ${long.slice(0, 60)}`);
  });

  test('scripts over HTTP: regex form, arrays, reset; invalid scripts are refused whole', async () => {
    const ok = await post('/__mock/script', [
      { match: { regex: 'DROP\\s+TABLE', flags: 'i' }, reply: { text: 'sql blocked?' } },
      { match: 'weather', reply: { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] } },
    ]);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.text).scripts, 2);
    assert.equal(replyText((await chat('please drop   table users')).text), 'sql blocked?');
    const weather = JSON.parse((await chat('weather?')).text).choices[0].message.tool_calls[0];
    assert.deepEqual(weather.function, { name: 'get_weather', arguments: '{"city":"Paris"}' });

    const bad = await post('/__mock/script', [
      { reply: { text: 'fine' } },
      { match: { regex: '(' }, reply: {} },
    ]);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.text).error.code, 'SM_ERR_MOCK_SCRIPT_INVALID');
    assert.equal(replyText((await chat('anything')).text), 'Mock reply to: anything');
    assert.equal((await post('/__mock/script', '{oops')).status, 400);

    assert.equal((await post('/__mock/reset', {})).status, 200);
    assert.equal(replyText((await chat('weather?')).text), 'Mock reply to: weather?');
    assert.equal(mock.requests.length, 1);
  });

  test('invalid scripts in code throw SM_ERR_MOCK_SCRIPT_INVALID', () => {
    const cases: unknown[] = [
      {},
      { reply: { text: 5 } },
      { reply: { toolCalls: [{ arguments: {} }] } },
      { reply: { status: 302 } },
      { reply: { status: 200, error: { message: 'x' } } },
      { reply: {}, times: 0 },
      { reply: { delayMs: -1 } },
      { reply: { headers: { 'bad header': 'x' } } },
      { match: 42, reply: {} },
    ];
    for (const c of cases)
      assert.throws(
        () => mock.script(c as never),
        (err: unknown) => err instanceof MockLlmError && err.code === 'SM_ERR_MOCK_SCRIPT_INVALID',
        JSON.stringify(c),
      );
  });

  test('scripted status, error fields and headers reach the client', async () => {
    mock.script({
      reply: {
        status: 503,
        error: { message: 'down for maintenance', code: 'maintenance' },
        headers: { 'retry-after': '7' },
      },
    });
    const res = await chat('x');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '7');
    const body = JSON.parse(res.text);
    assert.equal(body.error.message, 'down for maintenance');
    assert.equal(body.error.code, 'maintenance');
    assert.equal(body.error.type, 'server_error');
  });

  test('the canned script can be turned off', async () => {
    const plain = await createMockLlm({ canned: false, tokenizer: 'approx' });
    try {
      const res = await fetch(`${plain.url}/v1/chat/completions`, {
        method: 'POST',
        headers: OPENAI,
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'run the cleanup' }] }),
      });
      assert.equal(replyText(await res.text()), 'Mock reply to: run the cleanup');
    } finally {
      await plain.close();
    }
  });
});

describe('delays and streams', () => {
  test('delayMs holds the reply back; chunkDelayMs paces SSE frames', async () => {
    mock.script({ reply: { text: 'a b c', delayMs: 30, chunkDelayMs: 5 } });
    const res = await chat('x', { stream: true });
    assert.equal(res.status, 200);
    const frames = res.text.split('\n\n').filter((f) => f !== '');
    assert.equal(frames.at(-1), 'data: [DONE]');
    assert.equal(frames.length, 1 + 3 + 1 + 1);
  });

  test('a client that aborts mid-stream leaves the server serving', async () => {
    mock.script({ times: 1, reply: { text: 'w '.repeat(50), chunkDelayMs: 20 } });
    const ac = new AbortController();
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: OPENAI,
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await assert.rejects(reader.read());
    assert.equal(replyText((await chat('still there?')).text), 'Mock reply to: still there?');
  });

  test('close() ends a reply that is still delayed', async () => {
    const slow = await createMockLlm({ tokenizer: 'approx' });
    slow.script({ reply: { delayMs: 60_000 } });
    const pending = fetch(`${slow.url}/v1/chat/completions`, {
      method: 'POST',
      headers: OPENAI,
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    while (slow.requests.length === 0) await new Promise((r) => setImmediate(r));
    await slow.close();
    await assert.rejects(pending);
  });
});

describe('options', () => {
  test('the approx tokenizer gives deterministic counts without loading tiktoken', async () => {
    const approx = await createMockLlm({ tokenizer: 'approx', now: () => 1_700_000_000_000 });
    try {
      const call = () =>
        fetch(`${approx.url}/v1/chat/completions`, {
          method: 'POST',
          headers: OPENAI,
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello world' }] }),
        }).then((r) => r.json() as Promise<{ created: number; usage: { completion_tokens: number } }>);
      const [a, b] = [await call(), await call()];
      assert.equal(a.created, 1_700_000_000);
      // "Mock| reply| to|:| Hello| world" → 6 pieces, none longer than 7 characters.
      assert.equal(a.usage.completion_tokens, 6);
      assert.deepEqual(a.usage, b.usage);
    } finally {
      await approx.close();
    }
  });

  test('a busy port is SM_ERR_MOCK_LISTEN', async () => {
    await assert.rejects(
      createMockLlm({ port: mock.port, tokenizer: 'approx' }),
      (err: unknown) => err instanceof MockLlmError && err.code === 'SM_ERR_MOCK_LISTEN',
    );
  });
});
