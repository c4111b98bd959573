// Extracts the decision features: canonical `action:object` intents from the whole conversation
// (each message, read with its role, and the seams where the model reads two pieces as one
// sentence) and from the tool calls in the history, and the PII kinds present (so a policy can
// REDACT or BLOCK on them).
import { createHash } from 'node:crypto';
import { conversationIntents, isDataRole } from '../../../intent/index.js';
import { analysisBudget } from '../../errors.js';
import { engineCanonicalizer } from '../../policy/decision.js';
import { piiKinds } from '../redact/detect.js';
import type { Canonicalizer, Filter } from '../types.js';

export interface IntentOptions {
  canonicalizer: Canonicalizer;
  /**
   * Characters of text not seen before (cache misses) one request may ask to analyse; more is
   * refused with SM_ERR_WAYPOINT_ANALYSIS_BUDGET, never analysed partially. Default 2 Mi
   * characters (about 100 ms of one core): a huge prompt cannot hold the event loop for long.
   */
  budgetChars?: number;
}

interface TextFeatures {
  intents: string[];
  pii: string[];
}

// Agents resend the system prompt and the whole history every turn, so features are computed per
// message and remembered by content hash; the memo is dropped whole when full (bounded memory,
// no LRU bookkeeping).
const MEMO_LIMIT = 8192;
/** Texts up to this length are their own key; longer ones are keyed by a SHA-256 of the content. */
const KEY_INLINE_CHARS = 512;
/** Characters on each side of a seam between two consecutive texts that are read as one. */
const SEAM_CHARS = 240;
export const DEFAULT_ANALYSIS_BUDGET_CHARS = 2 * 1024 * 1024;
/** Role prefix of text from tool definitions and output schemas (providers/types.ts toolSpecRole). */
const TOOL_SPEC = 'tool_spec:';

function keyOf(kind: string, text: string): string {
  if (text.length <= KEY_INLINE_CHARS) return kind + text;
  return `${kind}#${createHash('sha256').update(text).digest('base64')}`;
}

/** The last `n` characters of the texts up to and including `i` (walking back over short ones). */
function tail(texts: string[], i: number, n: number, stop: (k: number) => boolean = () => false): string {
  let out = '';
  for (let k = i; k >= 0 && out.length < n && !stop(k); k--)
    out = texts[k].slice(-(n - out.length)) + (out ? ` ${out}` : '');
  return out;
}

/** The previous text ended its sentence: the next one starts a new one. */
const ENDS_SENTENCE = /[.!?;:\n]["'”’)\]]*\s*$/;

/** A text starting in lower case continues a sentence; a capital starts a new one. */
const STARTS_LOWER = /^\s*\p{Ll}/u;

/** Where the sentence a continuing text starts with ends (within the seam's reach). */
function continuationEnd(t: string): number {
  const m = /[.!?;\n]/.exec(t.length > SEAM_CHARS ? t.slice(0, SEAM_CHARS) : t);
  if (m) return m.index + 1;
  if (t.length <= SEAM_CHARS) return t.length;
  const space = t.lastIndexOf(' ', SEAM_CHARS);
  return space > 0 ? space : SEAM_CHARS;
}

function head(texts: string[], i: number, n: number, stop: (k: number) => boolean = () => false): string {
  let out = '';
  for (let k = i; k < texts.length && out.length < n && !stop(k); k++)
    out += (out ? ' ' : '') + texts[k].slice(0, n - out.length);
  return out;
}

export function intent(options: IntentOptions): Filter {
  const budgetChars = options.budgetChars ?? DEFAULT_ANALYSIS_BUDGET_CHARS;
  // One memo per canonicalizer: a bundle with its own vocabulary canonicalizes differently.
  const memos = new WeakMap<Canonicalizer, Map<string, TextFeatures>>();

  const memoOf = (canonicalizer: Canonicalizer): Map<string, TextFeatures> => {
    let memo = memos.get(canonicalizer);
    if (!memo) {
      memo = new Map();
      memos.set(canonicalizer, memo);
    }
    return memo;
  };
  const remember = (memo: Map<string, TextFeatures>, key: string, f: TextFeatures) => {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, f);
  };

  return {
    name: 'intent',
    onRequest(ctx) {
      const canonicalizer = engineCanonicalizer(ctx.engine, options.canonicalizer);
      const memo = memoOf(canonicalizer);
      const intents = new Set<string>();
      const pii = new Set<string>();
      const all =
        ctx.request.messages.length > 0 ? ctx.request.messages : [{ role: 'user', text: ctx.request.text }];
      const msgs: { role: string; text: string }[] = [];
      /** Position of each of msgs in the request's messages, for audit spans. */
      const msgIndex: number[] = [];
      const specs: { tool: string; text: string }[] = [];
      all.forEach((m, index) => {
        if (m.text === '') return;
        if (m.role.startsWith(TOOL_SPEC)) specs.push({ tool: m.role.slice(TOOL_SPEC.length), text: m.text });
        else {
          msgs.push(m);
          msgIndex.push(index);
        }
      });
      const texts = msgs.map((m) => m.text);

      // Work is planned before it is done: the cache misses are counted against the budget first,
      // so an oversized request is refused before any of it holds the event loop. Messages' own
      // intents are read afterwards with their roles (tool results are data); seams, tool
      // definitions and tool calls count directly.
      const jobs: { key: string; run: () => TextFeatures; direct: boolean }[] = [];
      let fresh = 0;
      const plan = (kind: string, text: string, run: () => TextFeatures, direct = true) => {
        const key = keyOf(kind, text);
        const f = memo.get(key);
        if (f) {
          if (direct) for (const i of f.intents) intents.add(i);
          for (const p of f.pii) pii.add(p);
          return;
        }
        fresh += text.length;
        jobs.push({ key, run, direct });
      };
      const keyByText = new Map<string, string>();
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i]!;
        // A text that continues the previous one's sentence ("Do not" + "delete the prod
        // namespace.") starts mid-sentence: its first sentence is read only in the seam, with
        // what precedes it, so a negation or question there still governs it.
        const continues =
          i > 0 &&
          !isDataRole(msgs[i]!.role) &&
          !isDataRole(msgs[i - 1]!.role) &&
          !ENDS_SENTENCE.test(texts[i - 1]!) &&
          STARTS_LOWER.test(t);
        const own = continues ? t.slice(continuationEnd(t)) : t;
        const kind = own === t ? 't:' : 'r:';
        keyByText.set(t, keyOf(kind, t));
        plan(kind, t, () => ({ intents: own ? canonicalizer.pairs(own) : [], pii: piiKinds(t) }), false);
      }
      // A sentence split over parts, messages or roles ("Please drop the" + " production
      // database now.") is one sentence to the model: each seam between two instructions is read
      // joined by a space (a seam into a tool result would make data an instruction).
      for (let i = 0; i + 1 < texts.length; i++) {
        if (isDataRole(msgs[i]!.role) || isDataRole(msgs[i + 1]!.role)) continue;
        // The walk over short neighbours stops at data, which only an instruction can bring in.
        const data = (k: number) => isDataRole(msgs[k]!.role);
        const seam = `${tail(texts, i, SEAM_CHARS, data)} ${head(texts, i + 1, SEAM_CHARS, data)}`;
        plan('s:', seam, () => ({ intents: canonicalizer.pairs(seam), pii: piiKinds(seam) }));
      }
      // Tool definitions and output schemas are instructions too, but a description naming its
      // own tool's action ("Deletes a namespace" on delete_namespace) is not a request.
      for (const { tool, text } of specs) {
        plan(`d:${tool}\u0000`, text, () => {
          const own = new Set(tool ? canonicalizer.toolCall(tool, {}) : []);
          return { intents: canonicalizer.pairs(text).filter((p) => !own.has(p)), pii: piiKinds(text) };
        });
      }
      for (const tc of ctx.request.tool_calls) {
        const args = typeof tc.arguments === 'string' ? tc.arguments : JSON.stringify(tc.arguments ?? null);
        plan(`c:${tc.name}\u0000`, args, () => ({
          intents: canonicalizer.toolCall(tc.name, tc.arguments),
          pii: piiKinds(args),
        }));
      }
      if (fresh > budgetChars) throw analysisBudget(fresh, budgetChars);
      const done = new Map<string, TextFeatures>();
      for (const job of jobs) {
        const f = job.run();
        remember(memo, job.key, f);
        done.set(job.key, f);
        if (job.direct) for (const i of f.intents) intents.add(i);
        for (const p of f.pii) pii.add(p);
      }
      // Tool results are data: their intents count only when an instruction asks to act on them.
      const pairsOf = (t: string) => {
        const key = keyByText.get(t) ?? keyOf('t:', t);
        return (done.get(key) ?? memo.get(key))?.intents ?? [];
      };
      const read = conversationIntents(canonicalizer, msgs, pairsOf);
      for (const i of read.intents) intents.add(i);
      // Spans for the audit record, computed only if it is written: offsets, never text.
      ctx.intentSpans = () =>
        msgs.flatMap((m, k) =>
          !canonicalizer.explain || (isDataRole(m.role) && !read.actedOn.includes(k))
            ? []
            : canonicalizer
                .explain(m.text)
                .evidence.filter((e) => read.intents.includes(e.pair))
                .map((e) => ({
                  intent: e.pair,
                  message: msgIndex[k]!,
                  action: e.action,
                  object: e.object,
                  rule: e.rule,
                })),
        );
      ctx.features.intents = [...intents].sort();
      ctx.features.pii = [...pii].sort();
    },
  };
}
