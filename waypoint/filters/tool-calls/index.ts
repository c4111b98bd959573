// Response checks: tool calls the model produced get their own decision (phase "response"). In a
// stream, tool-call events are held until the call is complete, then released or the stream is cut.
import { responseTooLarge } from '../../errors.js';
import { engineCanonicalizer, type ToolCall } from '../../policy/decision.js';
import { decidePhase, enforce } from '../policy/enforce.js';
import { piiKinds } from '../redact/detect.js';
import type { ChainServices, Filter, RequestContext, StreamItem } from '../types.js';
import { ACTION_MARKER, actionCalls } from './action-text.js';

export type ToolCallsOptions = Pick<
  ChainServices,
  'holder' | 'metrics' | 'pauseReporter' | 'log' | 'canonicalizer'
>;

interface HoldState {
  open: number;
  held: StreamItem[];
}

/** Streamed reply text, watched for an action written as text. */
interface TextState {
  /** The last characters seen, so a marker split across deltas is still found. */
  tail: string;
  /** All text from the marker on (what the action parser reads at the end). */
  action: string;
  holding: boolean;
  held: StreamItem[];
}

/** Reply text kept for the action parser at most; beyond it the reply is refused, not cut short. */
const MAX_ACTION_TEXT = 256 * 1024;

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

  const texts = new WeakMap<RequestContext, TextState>();

  /** Passes released items through the action-text watch; holds from an action marker to the end. */
  async function watchText(ctx: RequestContext, items: StreamItem[], end: boolean): Promise<StreamItem[]> {
    let st = texts.get(ctx);
    const out: StreamItem[] = [];
    for (const item of items) {
      const t = ctx.tracker?.text(item.ev);
      if (t) {
        st ??= { tail: '', action: '', holding: false, held: [] };
        texts.set(ctx, st);
        if (st.holding) st.action += t;
        else {
          const window = st.tail + t;
          const m = ACTION_MARKER.exec(window);
          if (m) {
            st.holding = true;
            st.action = window.slice(m.index);
          }
          st.tail = window.slice(-64);
        }
        if (st.action.length > MAX_ACTION_TEXT) throw responseTooLarge(MAX_ACTION_TEXT);
      }
      if (st?.holding) {
        st.held.push(item);
        if (item.obs.done) for (const held of await releaseText(ctx, st)) out.push(held);
      } else out.push(item);
    }
    if (end && st?.holding) for (const held of await releaseText(ctx, st)) out.push(held);
    return out;
  }

  async function releaseText(ctx: RequestContext, st: TextState): Promise<StreamItem[]> {
    const calls = actionCalls(st.action);
    if (calls.length > 0) await check(ctx, calls);
    const out = st.held;
    st.held = [];
    st.holding = false;
    st.action = '';
    return out;
  }

  return {
    name: 'tool-calls',
    async onResponse(ctx, res) {
      const calls = [...res.parsed.toolCalls];
      for (const slot of ctx.provider.responseSlots(ctx.api, res.body))
        for (const call of actionCalls(slot.get())) calls.push(call);
      if (calls.length > 0) await check(ctx, calls);
    },
    async onStreamEvent(ctx, item) {
      return watchText(ctx, await holdCalls(ctx, item), false);
    },
    async onStreamEnd(ctx) {
      // Calls never completed (upstream cut off): their arguments were never released, drop them.
      const st = states.get(ctx);
      const rest = !st || st.held.length === 0 || st.open !== 0 ? [] : st.held;
      return watchText(ctx, rest, true);
    },
  };

  async function holdCalls(ctx: RequestContext, item: StreamItem): Promise<StreamItem[]> {
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
  }
}
