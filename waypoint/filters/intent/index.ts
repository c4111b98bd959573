// Extracts the decision features: canonical `action:object` intents from the text and the tool calls
// in the history, and the PII kinds present (so a policy can REDACT or BLOCK on them).
import { conversationIntents, isDataRole } from '../../../intent/index.js';
import { engineCanonicalizer } from '../../policy/decision.js';
import { piiKinds } from '../redact/detect.js';
import type { Canonicalizer, Filter } from '../types.js';

export interface IntentOptions {
  canonicalizer: Canonicalizer;
}

interface TextFeatures {
  intents: string[];
  pii: string[];
}

// Agents resend the system prompt and the whole history every turn, so features are computed per
// message and remembered; the memo is dropped whole when full (bounded memory, no LRU bookkeeping).
const MEMO_LIMIT = 4096;
/** Longer texts are not memoized: they rarely repeat and would pin memory. */
const MEMO_MAX_CHARS = 64 * 1024;

export function intent(options: IntentOptions): Filter {
  // One memo per canonicalizer: a bundle with its own vocabulary canonicalizes differently.
  const memos = new WeakMap<Canonicalizer, Map<string, TextFeatures>>();

  // A message boundary is a clause boundary for the canonicalizer (newline), so the union of
  // per-message features equals the features of the joined text.
  const featuresOf = (canonicalizer: Canonicalizer, text: string): TextFeatures => {
    let memo = memos.get(canonicalizer);
    if (!memo) {
      memo = new Map();
      memos.set(canonicalizer, memo);
    }
    let f = memo.get(text);
    if (f === undefined) {
      f = { intents: canonicalizer.pairs(text), pii: piiKinds(text) };
      if (text.length <= MEMO_MAX_CHARS) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(text, f);
      }
    }
    return f;
  };

  return {
    name: 'intent',
    onRequest(ctx) {
      const canonicalizer = engineCanonicalizer(ctx.engine, options.canonicalizer);
      const intents = new Set<string>();
      const pii = new Set<string>();
      const messages =
        ctx.request.messages.length > 0 ? ctx.request.messages : [{ role: 'user', text: ctx.request.text }];
      for (const m of messages)
        if (m.text !== '') for (const p of featuresOf(canonicalizer, m.text).pii) pii.add(p);
      // Tool results are data: their intents count only when an instruction asks to act on them.
      const read = conversationIntents(canonicalizer, messages, (t) => featuresOf(canonicalizer, t).intents);
      for (const i of read.intents) intents.add(i);
      ctx.intentSpans = () =>
        messages.flatMap((m, message) =>
          m.text === '' || !canonicalizer.explain || (isDataRole(m.role) && !read.actedOn.includes(message))
            ? []
            : canonicalizer
                .explain(m.text)
                .evidence.filter((e) => read.intents.includes(e.pair))
                .map((e) => ({ intent: e.pair, message, action: e.action, object: e.object, rule: e.rule })),
        );
      for (const tc of ctx.request.tool_calls)
        for (const p of canonicalizer.toolCall(tc.name, tc.arguments)) intents.add(p);
      ctx.features.intents = [...intents].sort();
      ctx.features.pii = [...pii].sort();
    },
  };
}
