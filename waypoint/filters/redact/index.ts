// The PII redaction filter: rewrites request text before forwarding and response text (JSON bodies
// and SSE text deltas) when the decision is REDACT or the mode is "always"; in streams it holds back
// only the tail that a later delta could turn into a match.
import { RE2JS } from 're2js';
import type { Redaction } from '../../policy/decision.js';
import type { StreamTracker, TextSlot } from '../../providers/types.js';
import type { Filter, RequestContext, StreamItem } from '../types.js';
import { detectPii, holdFrom, MAX_HOLD, redactSpans } from './detect.js';

export type RedactMode = 'on-decision' | 'always' | 'off';

export interface RedactOptions {
  /** Request text: redacted on a REDACT decision (default), always, or never. */
  request?: RedactMode;
  /** Response text: redacted when the request was redacted (default), always, or never. */
  response?: RedactMode;
}

type Rewrite = (text: string) => string;

/** PII redaction plus the decision's literal and RE2 pattern redactions. */
export function rewriter(redactions: readonly Redaction[]): Rewrite {
  const steps: Rewrite[] = [];
  for (const r of redactions) {
    const label = r.replacement ?? `[REDACTED:${r.kind ?? 'policy'}]`;
    if (r.literal) {
      const lit = r.literal;
      steps.push((t) => t.split(lit).join(label));
    } else if (r.pattern) {
      try {
        const re = RE2JS.compile(r.pattern);
        steps.push((t) => re.matcher(t).replaceAll(label.replaceAll('$', '\\$')));
      } catch {
        // The engine validated patterns at compile time; an invalid one is skipped, not fatal.
      }
    }
  }
  return (text) => {
    let out = redactSpans(text, detectPii(text));
    for (const s of steps) out = s(out);
    return out;
  };
}

function rewriteSlots(slots: TextSlot[], rw: Rewrite): boolean {
  let changed = false;
  for (const s of slots) {
    const before = s.get();
    const after = rw(before);
    if (after !== before) {
      s.set(after);
      changed = true;
    }
  }
  return changed;
}

/** Held-back text of one channel (one choice of an `n > 1` stream) and the event it goes out in. */
interface Channel {
  held: string;
  template: StreamItem | undefined;
}

interface StreamState {
  channels: Map<number, Channel>;
  rw: Rewrite;
  tracker: StreamTracker;
}

export function redact(options: RedactOptions = {}): Filter {
  const reqMode = options.request ?? 'on-decision';
  const resMode = options.response ?? 'on-decision';
  const streams = new WeakMap<RequestContext, StreamState>();
  const active = (ctx: RequestContext, mode: RedactMode) =>
    mode === 'always' || (mode === 'on-decision' && ctx.redact);
  const rwFor = (ctx: RequestContext) => rewriter(ctx.decision?.redactions ?? []);

  function flush(st: StreamState): StreamItem[] {
    const out: StreamItem[] = [];
    for (const ch of st.channels.values()) {
      if (ch.held === '' || !ch.template) continue;
      const text = st.rw(ch.held);
      ch.held = '';
      out.push({ ev: st.tracker.withText(ch.template.ev, text), obs: {} });
    }
    return out;
  }

  return {
    name: 'redact',
    onRequest(ctx) {
      if (!active(ctx, reqMode) || ctx.body === undefined) return;
      if (rewriteSlots(ctx.provider.requestSlots(ctx.api, ctx.body), rwFor(ctx))) ctx.bodyChanged = true;
    },
    onResponse(ctx, res) {
      if (!active(ctx, resMode)) return;
      if (rewriteSlots(ctx.provider.responseSlots(ctx.api, res.body), rwFor(ctx))) res.changed = true;
    },
    onStreamEvent(ctx, item) {
      if (!active(ctx, resMode) || !ctx.tracker) return [item];
      const tracker = ctx.tracker;
      let st = streams.get(ctx);
      if (!st) {
        st = { channels: new Map(), rw: rwFor(ctx), tracker };
        streams.set(ctx, st);
      }
      const delta = tracker.text(item.ev);
      if (delta === undefined) {
        const whole = tracker.rewriteWhole ? tracker.rewriteWhole(item.ev, st.rw) : item.ev;
        return [...flush(st), whole === item.ev ? item : { ev: whole, obs: item.obs }];
      }
      const key = tracker.channel?.(item.ev) ?? 0;
      let ch = st.channels.get(key);
      if (!ch) {
        ch = { held: '', template: undefined };
        st.channels.set(key, ch);
      }
      ch.template = item;
      const buf = ch.held + delta;
      let cut = holdFrom(buf);
      if (buf.length - cut > MAX_HOLD) cut = buf.length;
      ch.held = buf.slice(cut);
      const emit = buf.slice(0, cut);
      if (emit === '') return [];
      const text = st.rw(emit);
      return [{ ev: text === delta ? item.ev : tracker.withText(item.ev, text), obs: item.obs }];
    },
    onStreamEnd(ctx) {
      const st = streams.get(ctx);
      return st ? flush(st) : [];
    },
  };
}
