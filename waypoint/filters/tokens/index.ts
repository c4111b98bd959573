// Counts prompt tokens before forwarding and records the provider's exact usage from the response
// (JSON or stream); hides the usage chunk the waypoint asked for when the client did not.
import { isRecord } from '../../providers/types.js';
import type { Tokenizers } from '../../tokens/index.js';
import type { Filter, StreamItem, WaypointMetricsSink } from '../types.js';

export interface TokensOptions {
  tokenizers: Tokenizers;
  metrics: WaypointMetricsSink;
}

export function tokens(options: TokensOptions): Filter {
  const { tokenizers, metrics } = options;
  return {
    name: 'tokens',
    onRequest(ctx) {
      if (ctx.provider.name !== 'openai' && ctx.provider.name !== 'anthropic') return;
      if (!ctx.request.model && ctx.request.text === '') return;
      const body = ctx.body;
      const tools = isRecord(body) && Array.isArray(body.tools) ? JSON.stringify(body.tools) : undefined;
      ctx.features.tokens.prompt = tokenizers.promptTokens(ctx.request, tools);
      metrics.tokens(ctx.provider.name, ctx.request.model, 'prompt_estimate', ctx.features.tokens.prompt);
    },
    onResponse(ctx, res) {
      if (res.parsed.usage) ctx.usage = { ...res.parsed.usage };
    },
    onStreamEvent(ctx, item): StreamItem[] {
      const { obs } = item;
      if (obs.usage) ctx.usage = { ...ctx.usage, ...obs.usage };
      if (!ctx.stripUsage) return [item];
      if (obs.usageOnly) return [];
      const strip = ctx.tracker?.strip;
      return strip ? [{ ev: strip.call(ctx.tracker, item.ev), obs }] : [item];
    },
    onDone(ctx) {
      if (ctx.usage.prompt !== undefined)
        metrics.tokens(ctx.provider.name, ctx.request.model, 'prompt', ctx.usage.prompt);
      if (ctx.usage.completion !== undefined) {
        metrics.tokens(ctx.provider.name, ctx.request.model, 'completion', ctx.usage.completion);
      }
    },
  };
}
