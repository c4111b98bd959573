// Response checks: tool calls the model produced get their own decision (phase "response"). In a
// stream, tool-call events are held until the call is complete, then released or the stream is cut.
import { engineCanonicalizer, type ToolCall } from '../../policy/decision.js';
import { decidePhase, enforce } from '../policy/enforce.js';
import { piiKinds } from '../redact/detect.js';
import type { ChainServices, Filter, RequestContext, StreamItem } from '../types.js';

export type ToolCallsOptions = Pick<
  ChainServices,
  'holder' | 'metrics' | 'pauseReporter' | 'log' | 'canonicalizer'
>;

interface HoldState {
  open: number;
  held: StreamItem[];
}

export function toolCalls(options: ToolCallsOptions): Filter {
  const states = new WeakMap<RequestContext, HoldState>();

  async function check(ctx: RequestContext, calls: ToolCall[]): Promise<void> {
    // The bundle's vocabulary, as on the request side: a custom phrase blocks the model's call too.
    const canonicalizer = engineCanonicalizer(ctx.engine, options.canonicalizer);
    const intents = new Set<string>();
    const pii = new Set<string>();
    for (const c of calls) {
      for (const p of canonicalizer.toolCall(c.name, c.arguments)) intents.add(p);
      // PII the model writes into its own call (an address, a card number it was shown).
      const args = typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? null);
      for (const k of piiKinds(args)) pii.add(k);
    }
    const decision = await decidePhase(ctx, options.holder, options, {
      agent: ctx.agent,
      request: { ...ctx.request, tool_calls: calls },
      features: { ...ctx.features, intents: [...intents].sort(), pii: [...pii].sort() },
      quota: ctx.quota,
      phase: 'response',
    });
    ctx.responseDecisions.push(decision);
    enforce(ctx, decision, 'response', options.pauseReporter, options.log);
  }

  return {
    name: 'tool-calls',
    async onResponse(ctx, res) {
      if (res.parsed.toolCalls.length > 0) await check(ctx, res.parsed.toolCalls);
    },
    async onStreamEvent(ctx, item) {
      let st = states.get(ctx);
      const { obs } = item;
      if (!st) {
        if (!obs.toolCallStarted) return [item];
        st = { open: 0, held: [] };
        states.set(ctx, st);
      }
      if (obs.toolCallStarted) st.open++;
      // The terminal event ([DONE], message_stop) is held too, so a refused call never shows it.
      if (st.open === 0 && st.held.length === 0) return [item];
      st.held.push(item);
      if (obs.completed && obs.completed.length > 0) {
        st.open = Math.max(0, st.open - obs.completed.length);
        await check(ctx, obs.completed);
        if (st.open === 0) {
          const out = st.held;
          st.held = [];
          return out;
        }
      }
      return [];
    },
    onStreamEnd(ctx) {
      // Calls never completed (upstream cut off): their arguments were never released, drop them.
      const st = states.get(ctx);
      if (!st || st.held.length === 0) return [];
      return st.open === 0 ? st.held : [];
    },
  };
}
