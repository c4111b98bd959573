// PII redaction across SSE chunk boundaries: whatever way the model's text is split into deltas, the
// client sees exactly the redaction of the whole text, and safe text is not held back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { openai } from '../../providers/openai.js';
import { jsonEvent, serializeEvent } from '../../streaming/sse.js';
import { intentEngine, startStack } from '../../testing/harness.js';
import type { RequestContext, StreamItem } from '../types.js';
import { redactPii } from './detect.js';
import { redact } from './index.js';

const TEXT =
  'Contact john.doe@example.com or +1 (555) 123-4567, card 4111 1111 1111 1111, key sk-ant-api03-abcdefghijklmnopqrstuv done.';

function delta(text: string): StreamItem {
  return {
    ev: jsonEvent({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
    obs: {},
  };
}

async function runSplit(parts: string[]): Promise<{ text: string; events: number[] }> {
  const f = redact({ response: 'always' });
  const ctx = {
    tracker: openai.stream('chat.completions'),
    decision: undefined,
    redact: false,
  } as unknown as RequestContext;
  let text = '';
  const events: number[] = [];
  const collect = (items: StreamItem[]) => {
    for (const it of items) {
      const t = ctx.tracker!.text(it.ev);
      if (t !== undefined) text += t;
    }
  };
  for (const p of parts) {
    const out = await f.onStreamEvent!(ctx, delta(p));
    events.push(out.length);
    collect(out);
  }
  const stop: StreamItem = {
    ev: jsonEvent({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    obs: {},
  };
  collect(await f.onStreamEvent!(ctx, stop));
  collect(await f.onStreamEnd!(ctx));
  return { text, events };
}

test('every two-way and many three-way splits of the text give the redaction of the whole', async () => {
  const expected = redactPii(TEXT).text;
  assert.ok(!expected.includes('john.doe') && !expected.includes('4111') && !expected.includes('sk-ant'));
  for (let i = 1; i < TEXT.length; i++) {
    assert.equal((await runSplit([TEXT.slice(0, i), TEXT.slice(i)])).text, expected, `split at ${i}`);
  }
  for (let i = 1; i < TEXT.length; i += 3) {
    for (let j = i + 1; j < TEXT.length; j += 5) {
      assert.equal((await runSplit([TEXT.slice(0, i), TEXT.slice(i, j), TEXT.slice(j)])).text, expected);
    }
  }
  const chars = await runSplit([...TEXT]);
  assert.equal(chars.text, expected);
});

test('safe words are released as soon as the next delta shows they are complete', async () => {
  const r = await runSplit(['Hello', ' world', ' and', ' more']);
  assert.equal(r.text, 'Hello world and more');
  // The first delta is held (it could become an e-mail); each later one releases the previous word.
  assert.deepEqual(r.events, [0, 1, 1, 1]);
});

test('through the waypoint: streamed OpenAI and Anthropic replies are redacted across tiny chunks', async () => {
  const s = await startStack({ engine: intentEngine({}), redact: { response: 'always' } });
  try {
    s.mock.script({ match: 'secrets', reply: { text: TEXT, chunks: 60 } });
    const oa = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await oa.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'tell me secrets' }],
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      chunks++;
    }
    assert.ok(chunks > 5, `${chunks} chunks`);
    assert.equal(text, redactPii(TEXT).text);
    const an = new Anthropic({ baseURL: s.url, apiKey: 'k', maxRetries: 0 });
    const msg = await an.messages
      .stream({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'tell me secrets' }],
      })
      .finalMessage();
    assert.equal((msg.content[0] as { text: string }).text, redactPii(TEXT).text);
    const resp = await oa.responses.create({ model: 'gpt-4o', input: 'tell me secrets', stream: true });
    let deltas = '';
    let done = '';
    for await (const ev of resp) {
      if (ev.type === 'response.output_text.delta') deltas += ev.delta;
      if (ev.type === 'response.completed')
        done = ev.response.output_text ?? JSON.stringify(ev.response.output);
    }
    assert.equal(deltas, redactPii(TEXT).text);
    assert.ok(!done.includes('john.doe') && done.includes('[REDACTED:email]'), done);
    const plain = await oa.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'tell me secrets' }],
    });
    assert.equal(plain.choices[0].message.content, redactPii(TEXT).text);
  } finally {
    await s.close();
  }
});

test('serialized output of an unredacted stream is unchanged (no re-encoding of safe events)', () => {
  const ev = delta('plain').ev;
  assert.equal(
    serializeEvent(ev),
    `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'plain' }, finish_reason: null }] })}\n\n`,
  );
});

test('with n > 1 choices interleaved, held-back text is released in its own choice', async () => {
  const f = redact({ response: 'always' });
  const ctx = {
    tracker: openai.stream('chat.completions'),
    decision: undefined,
    redact: false,
  } as unknown as RequestContext;
  const ev = (index: number, content: string): StreamItem => ({
    ev: jsonEvent({ choices: [{ index, delta: { content }, finish_reason: null }] }),
    obs: {},
  });
  // Both choices end in something that could still grow into PII, so both are held back.
  const parts: [number, string][] = [
    [0, 'first choice mail alice@'],
    [1, 'second choice number 4111 1111'],
    [0, 'example.com ok'],
    [1, ' 1111 1111 end'],
  ];
  const text = new Map<number, string>();
  const collect = (items: StreamItem[]) => {
    for (const it of items) {
      const t = ctx.tracker!.text(it.ev);
      const i = ctx.tracker!.channel!(it.ev);
      if (t !== undefined) text.set(i, (text.get(i) ?? '') + t);
    }
  };
  for (const [i, p] of parts) collect(await f.onStreamEvent!(ctx, ev(i, p)));
  collect(await f.onStreamEnd!(ctx));
  assert.equal(text.get(0), redactPii('first choice mail alice@example.com ok').text);
  assert.equal(text.get(1), redactPii('second choice number 4111 1111 1111 1111 end').text);
});
