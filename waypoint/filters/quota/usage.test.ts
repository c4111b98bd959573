// The usage a budget is settled with: provider usage with its cache and reasoning details, and the
// streamed text counted when a stream was cut before its usage arrived.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropic } from '../../providers/anthropic.js';
import { openai } from '../../providers/openai.js';
import type { Provider } from '../../providers/types.js';
import type { SseEvent } from '../../streaming/sse.js';
import { loadTokenizers } from '../../tokens/index.js';
import type { RequestContext } from '../types.js';
import { UsageMeter } from './usage.js';

function fakeCtx(provider: Provider, api: string, prompt: number): RequestContext {
  return {
    provider,
    api,
    usage: {},
    request: { model: 'gpt-4o-mini' },
    features: { tokens: { prompt, max_completion: null } },
    tracker: provider.stream(api),
  } as unknown as RequestContext;
}

function feed(ctx: RequestContext, meter: UsageMeter, events: SseEvent[]): void {
  for (const ev of events) {
    const obs = ctx.tracker!.observe(ev);
    if (obs.usage) ctx.usage = { ...ctx.usage, ...obs.usage };
    meter.event({ ev, obs });
  }
}

test('Anthropic stream: cache reads and writes are added to the prompt, reads priced as cached', async () => {
  const ctx = fakeCtx(anthropic, 'messages', 10);
  const meter = new UsageMeter(ctx, await loadTokenizers());
  feed(ctx, meter, [
    {
      event: 'message_start',
      data: JSON.stringify({
        type: 'message_start',
        message: {
          usage: {
            input_tokens: 20,
            cache_read_input_tokens: 300,
            cache_creation_input_tokens: 50,
            output_tokens: 1,
          },
        },
      }),
    },
    {
      event: 'content_block_delta',
      data: JSON.stringify({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'hello there' },
      }),
    },
    {
      event: 'message_delta',
      data: JSON.stringify({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 42 },
      }),
    },
    { event: 'message_stop', data: '{"type":"message_stop"}' },
  ]);
  assert.equal(meter.sawTerminal, true);
  assert.deepEqual(meter.usage(true), { promptTokens: 370, completionTokens: 42, cachedTokens: 300 });
});

test('OpenAI JSON reply: cached and reasoning tokens are passed on', async () => {
  const ctx = fakeCtx(openai, 'chat.completions', 10);
  ctx.usage = { prompt: 100, completion: 40 };
  const meter = new UsageMeter(ctx, await loadTokenizers());
  meter.response({
    usage: {
      prompt_tokens: 100,
      completion_tokens: 40,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 30 },
    },
  });
  assert.deepEqual(meter.usage(true), {
    promptTokens: 100,
    completionTokens: 40,
    cachedTokens: 64,
    reasoningTokens: 30,
  });
});

test('a stream cut before its usage pays the prompt estimate plus the streamed text', async () => {
  const tk = await loadTokenizers();
  const ctx = fakeCtx(openai, 'chat.completions', 17);
  const meter = new UsageMeter(ctx, tk);
  const chunk = (text: string) => ({
    data: JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
  });
  feed(ctx, meter, [chunk('The quick '), chunk('brown fox '), chunk('jumps')]);
  assert.equal(meter.sawTerminal, false);
  const expected = tk.count('The quick brown fox jumps', 'o200k_base');
  assert.deepEqual(meter.usage(false), { promptTokens: 17, completionTokens: expected });
});
