// Counts prompt tokens before forwarding and records the provider's exact usage from the response
// (JSON or stream); hides the usage chunk the waypoint asked for when the client did not.
import { isRecord } from '../../providers/types.js';
import type { Tokenizers } from '../../tokens/index.js';
import type { Filter, StreamItem, WaypointMetricsSink } from '../types.js';

/** More tokens than any model reads or writes in one call: a count above it is not believed. */
export const MAX_PLAUSIBLE_TOKENS = 10_000_000;

/**
 * The provider's usage, kept only where each figure is a plausible token count; a negative, NaN,
 * non-numeric or absurd figure is dropped, so settling falls back to the waypoint's own estimate
 * (the prompt as counted for the reservation, the streamed text) instead of charging nonsense.
 */
export function validUsage(u: { prompt?: unknown; completion?: unknown }): {
  prompt?: number;
  completion?: number;
} {
  const ok = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_PLAUSIBLE_TOKENS
      ? Math.floor(v)
      : undefined;
  const out: { prompt?: number; completion?: number } = {};
  const p = ok(u.prompt);
  const c = ok(u.completion);
  if (p !== undefined) out.prompt = p;
  if (c !== undefined) out.completion = c;
  return out;
}

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
      if (res.parsed.usage) ctx.usage = validUsage(res.parsed.usage);
    },
    onStreamEvent(ctx, item): StreamItem[] {
      const { obs } = item;
      if (obs.usage) ctx.usage = { ...ctx.usage, ...validUsage(obs.usage) };
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
