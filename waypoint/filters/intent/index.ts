// Extracts the decision features: canonical `action:object` intents from the whole conversation
// (each message, read with its role, and the seams where the model reads two pieces as one
// sentence), pronouns resolved to what earlier messages made salient ("Drop it now." after "The
// database is called app-prod."), the tool calls in the history, and the PII kinds present (so a
// policy can REDACT or BLOCK on them).
import { createHash } from 'node:crypto';
import { conversationIntents, isDataRole, type ReadState, type Vocabulary } from '../../../intent/index.js';
import { analysisBudget } from '../../errors.js';
import { engineCanonicalizer } from '../../policy/decision.js';
import { TextMemo } from '../../text-memo.js';
import type { Canonicalizer, Filter, IntentSpan, RequestContext } from '../types.js';
import { type AnalysisJob, analyse, type TextFeatures } from './analyse.js';
import { AnalysisPool } from './pool.js';

export interface IntentOptions {
  canonicalizer: Canonicalizer;
  /**
   * Characters of text not seen before (cache misses) one request may ask to analyse; more is
   * refused with SM_ERR_WAYPOINT_ANALYSIS_BUDGET, never analysed partially. Default 2 Mi
   * characters (about 100 ms of one core): a huge prompt cannot hold the event loop for long.
   */
  budgetChars?: number;
  /**
   * Fresh characters above which a request's analysis runs in an analysis worker rather than on
   * the event loop (default 64 Ki); `pool: false` keeps all of it on the event loop.
   */
  offloadChars?: number;
  pool?: AnalysisPool | false;
}

/**
 * Features by (kind, text) — a text's own content up to KEY_INLINE_CHARS, else its digest — in a
 * TextMemo (a resent message is found by a sampled fingerprint and one comparison, never by hashing
 * all of it) and, for the seam between two long neighbours, by the ids of their two entries: a
 * resent conversation costs one comparison per message and no seam string is built on a hit.
 */
interface Memo {
  map: TextMemo<TextFeatures>;
  seams: Map<number, Map<number, TextFeatures>>;
  /**
   * The conversation's reading (coreference salience, data and intents so far) after a leading run
   * of messages, keyed by their entry ids and roles: a resent history is not read again.
   */
  states: Map<string, ReadState>;
  size: number;
  /** Estimated bytes of the keys and features held (see bytesOf). */
  bytes: number;
}

// Agents resend the system prompt and the whole history every turn, so features are computed per
// message and remembered by content hash; the memo is dropped whole when full (bounded memory,
// no LRU bookkeeping).
const MEMO_LIMIT = 8192;
/**
 * Estimated bytes the memo may hold before it is dropped: keys counted at two bytes a character
 * (V8's two-byte strings, the worst case) plus the features, so one event loop's memo stays near
 * 24 MiB whatever the mix of texts (issue 18: a loop under 150 MB RSS).
 */
const MEMO_MAX_BYTES = 24 * 1024 * 1024;
/** Map entry, object and array headers of one memo entry (measured order of magnitude). */
const ENTRY_BYTES = 160;
/**
 * Texts up to this length are their own key (found by fingerprint and compared); longer ones are
 * keyed by a SHA-256 of the content, so the memo does not hold long texts.
 */
const KEY_INLINE_CHARS = 16 * 1024;
/** How many messages back from the end a saved reading of the conversation is looked for. */
const RESUME_REACH = 4;
/** Estimated bytes of one saved reading beyond its key (salience entries, intents). */
const STATE_BYTES = 4096;
/** Characters on each side of a seam between two consecutive texts that are read as one. */
const SEAM_CHARS = 240;
export const DEFAULT_ANALYSIS_BUDGET_CHARS = 2 * 1024 * 1024;
export const DEFAULT_OFFLOAD_CHARS = 64 * 1024;

/** The pool shared by the waypoints of this process, started on the first large request. */
let sharedPool: AnalysisPool | undefined;

/** The vocabulary an analysis worker needs to build the same canonicalizer, if it is a real one. */
function vocabularyOf(c: Canonicalizer): Vocabulary | undefined {
  return (c as { vocabulary?: Vocabulary }).vocabulary;
}
/** Role prefix of text from tool definitions and output schemas (providers/types.ts toolSpecRole). */
const TOOL_SPEC = 'tool_spec:';

/** Estimated heap bytes of one memo entry: its key and its features. */
function bytesOf(key: string, f: TextFeatures): number {
  let n = ENTRY_BYTES + 2 * key.length;
  for (const s of f.intents) n += 32 + 2 * s.length;
  for (const s of f.pii) n += 32 + 2 * s.length;
  if (f.evidence) n += f.evidence.length * 120;
  if (f.discourse) n += 64 + (f.discourse.entities.length + f.discourse.references.length) * 160;
  return n;
}

/** The (kind, text) a text is memoized under. */
function keyOf(kind: string, text: string): [string, string] {
  if (text.length <= KEY_INLINE_CHARS) return [kind, text];
  return [`${kind}#`, createHash('sha256').update(text).digest('base64')];
}

/** The last `n` characters of the texts up to and including `i` (walking back over short ones). */
function tail(texts: string[], i: number, n: number, stop: (k: number) => boolean = () => false): string {
  let out = '';
  for (let k = i; k >= 0 && out.length < n && !stop(k); k--)
    out = texts[k].slice(-(n - out.length)) + (out ? ` ${out}` : '');
  return out;
}

const SENTENCE_MARKS = '.!?;:\n';
const CLOSERS = `"'”’)]`;
const SPACE = /\s/;

/**
 * The previous text ended its sentence (a mark, closing quotes or brackets, trailing space): the
 * next one starts a new one. Read backwards from the end — a regex anchored only at `$` would try
 * every position of a long message.
 */
function endsSentence(t: string): boolean {
  let i = t.length - 1;
  while (i >= 0 && SPACE.test(t[i]!)) {
    if (t[i] === '\n') return true;
    i--;
  }
  while (i >= 0 && CLOSERS.includes(t[i]!)) i--;
  return i >= 0 && SENTENCE_MARKS.includes(t[i]!);
}

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
  const offloadChars = options.offloadChars ?? DEFAULT_OFFLOAD_CHARS;
  const poolOf = (): AnalysisPool | undefined => {
    if (options.pool === false) return undefined;
    if (options.pool) return options.pool;
    sharedPool ??= new AnalysisPool();
    return sharedPool;
  };
  // One memo per canonicalizer: a bundle with its own vocabulary canonicalizes differently.
  const memos = new WeakMap<Canonicalizer, Memo>();

  const memoOf = (canonicalizer: Canonicalizer): Memo => {
    let memo = memos.get(canonicalizer);
    if (!memo) {
      memo = { map: new TextMemo(), seams: new Map(), states: new Map(), size: 0, bytes: 0 };
      memos.set(canonicalizer, memo);
    }
    return memo;
  };
  const makeRoom = (memo: Memo, bytes: number) => {
    if (memo.size >= MEMO_LIMIT || memo.bytes + bytes > MEMO_MAX_BYTES) {
      memo.map.clear();
      memo.seams.clear();
      memo.states.clear();
      memo.size = 0;
      memo.bytes = 0;
    }
    memo.size++;
    memo.bytes += bytes;
  };

  return {
    name: 'intent',
    onRequest(ctx: RequestContext): void | Promise<void> {
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
      const data = (k: number) => isDataRole(msgs[k]!.role);

      // Work is planned before it is done: the cache misses are counted against the budget first,
      // so an oversized request is refused before any of it holds the event loop. A message's own
      // intents are read afterwards with its role (tool results are data); seams, tool definitions
      // and tool calls count directly.
      const jobs: { store: (f: TextFeatures) => void; job: AnalysisJob; direct: boolean }[] = [];
      /** Each message's features, and the id of its memo entry (seams are keyed by two of them). */
      const features: (TextFeatures | undefined)[] = new Array(texts.length).fill(undefined);
      const ids: number[] = new Array(texts.length).fill(0);
      let fresh = 0;
      const use = (f: TextFeatures, direct: boolean) => {
        const { intents: found, pii: kinds } = f;
        if (direct) for (let k = 0; k < found.length; k++) intents.add(found[k]!);
        for (let k = 0; k < kinds.length; k++) pii.add(kinds[k]!);
      };
      /** Plans the analysis of one text; `message` is its index in msgs, if it is a message. */
      const plan = (kind: string, text: string, job: AnalysisJob, direct = true, message = -1): void => {
        const [k, t] = keyOf(kind, text);
        const e = memo.map.entry(k, t);
        if (e) {
          use(e.value, direct);
          if (message >= 0) {
            features[message] = e.value;
            ids[message] = e.id;
          }
        } else {
          fresh += text.length;
          jobs.push({
            job,
            direct,
            store: (g) => {
              makeRoom(memo, bytesOf(t, g) + 2 * k.length);
              const id = memo.map.set(k, t, g);
              if (message >= 0) {
                features[message] = g;
                ids[message] = id;
              }
            },
          });
        }
      };
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i]!;
        // A text that continues the previous one's sentence ("Do not" + "delete the prod
        // namespace.") starts mid-sentence: its first sentence is read only in the seam, with
        // what precedes it, so a negation or question there still governs it.
        const continues =
          i > 0 && !data(i) && !data(i - 1) && STARTS_LOWER.test(t) && !endsSentence(texts[i - 1]!);
        const own = continues ? t.slice(continuationEnd(t)) : t;
        plan(own === t ? '' : 'r:', t, { kind: 'message', text: t, own }, false, i);
      }
      // A sentence split over parts, messages or roles ("Please drop the" + " production
      // database now.") is one sentence to the model: each seam between two instructions is read
      // joined by a space. A seam never reaches into a tool result: that would make data an
      // instruction, which only an instruction to act on it can.
      for (let i = 0; i + 1 < texts.length; i++) {
        if (data(i) || data(i + 1)) continue;
        const long = texts[i]!.length >= SEAM_CHARS && texts[i + 1]!.length >= SEAM_CHARS;
        if (long) {
          // Two long neighbours: the seam depends on them alone, keyed by their pair.
          const f = ids[i] && ids[i + 1] ? memo.seams.get(ids[i]!)?.get(ids[i + 1]!) : undefined;
          if (f) {
            use(f, true);
            continue;
          }
        }
        const seam = `${tail(texts, i, SEAM_CHARS, data)} ${head(texts, i + 1, SEAM_CHARS, data)}`;
        const job: AnalysisJob = { kind: 'seam', text: seam };
        if (!long) {
          plan('s:', seam, job);
          continue;
        }
        fresh += seam.length;
        jobs.push({
          job,
          direct: true,
          // Stored after the messages' own jobs: a fresh message's id is known by then.
          store: (g) => {
            const [a, b] = [ids[i]!, ids[i + 1]!];
            makeRoom(memo, bytesOf('', g));
            let inner = memo.seams.get(a);
            if (!inner) {
              inner = new Map();
              memo.seams.set(a, inner);
            }
            inner.set(b, g);
          },
        });
      }
      // Tool definitions and output schemas are instructions too, but a description naming its
      // own tool's action ("Deletes a namespace" on delete_namespace) is not a request.
      for (const { tool, text } of specs) {
        plan(`d:${tool}\u0000`, text, { kind: 'spec', text, tool });
      }
      for (const tc of ctx.request.tool_calls) {
        const args = typeof tc.arguments === 'string' ? tc.arguments : JSON.stringify(tc.arguments ?? null);
        plan(`c:${tc.name}\u0000`, args, { kind: 'call', text: args, name: tc.name, args: tc.arguments });
      }
      if (fresh > budgetChars) throw analysisBudget(fresh, budgetChars);
      /** Reads the conversation with every message's features at hand. */
      const conclude = () => {
        // Tool results are data: their intents count only when an instruction asks to act on them.
        // A sentence read with its antecedent ("database. Drop it now.") is short and recurs with
        // every resend of the conversation: memoized like a message.
        const resolvedPairsOf = (t: string) => {
          let f = memo.map.get('k:', t);
          if (!f) {
            f = { intents: canonicalizer.pairs(t), pii: [] };
            makeRoom(memo, bytesOf(t, f) + 4);
            memo.map.set('k:', t, f);
          }
          return f.intents;
        };
        // The reading of a leading run of messages is keyed by their entries and roles: the keys of
        // every run are prefixes of one string, built once (up to the first message with no entry).
        let keys: string | undefined;
        const keyEnds = [0];
        const stateKey = (count: number): string | undefined => {
          if (keys === undefined) {
            keys = '';
            for (let k = 0; k < msgs.length && ids[k]; k++) {
              keys += `${ids[k]}:${msgs[k]!.role},`;
              keyEnds.push(keys.length);
            }
          }
          return count < keyEnds.length ? keys.slice(0, keyEnds[count]) : undefined;
        };
        const read = conversationIntents(canonicalizer, msgs, {
          pairsOf: (_t, k) => features[k]?.intents ?? [],
          discourseOf: (_t, k) => features[k]?.discourse,
          resolvedPairsOf,
          resume: () => {
            for (let count = msgs.length - 1; count > 0 && count >= msgs.length - RESUME_REACH; count--) {
              const key = stateKey(count);
              const state = key === undefined ? undefined : memo.states.get(key);
              if (state) return state;
            }
            return undefined;
          },
          save: (state) => {
            const key = stateKey(state.count);
            if (key === undefined || memo.states.has(key)) return;
            makeRoom(memo, 2 * key.length + STATE_BYTES);
            memo.states.set(key, state);
          },
        });
        for (const i of read.intents) intents.add(i);
        // Spans for the audit record, computed only if it is written: offsets, never text.
        ctx.intentSpans = spansOf(canonicalizer, msgs, msgIndex, features, read);
        ctx.features.intents = [...intents].sort();
        ctx.features.pii = [...pii].sort();
      };
      const finish = (results: TextFeatures[]) => {
        jobs.forEach((j, k) => {
          j.store(results[k]!);
          use(results[k]!, j.direct);
        });
        conclude();
      };
      // Much fresh text is analysed in a worker thread: the event loop keeps serving the others.
      const vocabulary = vocabularyOf(canonicalizer);
      const pool = fresh > offloadChars && vocabulary !== undefined ? poolOf() : undefined;
      if (pool)
        return pool
          .run(
            vocabulary!,
            jobs.map((j) => (j.job.kind === 'message' ? { ...j.job, evidence: true } : j.job)),
          )
          .then(finish);
      finish(jobs.map((j) => analyse(canonicalizer, j.job)));
    },
  };
}

/**
 * The audit spans of a request's intents, as a function computed only when a record is written.
 * Made here rather than inside onRequest: a closure there would hold onRequest's whole scope, and
 * with it each request's texts and readings survived young-generation GCs into the old space
 * (bench/waypoint-wrk.sh, 1 KB chat: ~1.8 MB copied per scavenge with it, ~40 KB without).
 */
function spansOf(
  canonicalizer: Canonicalizer,
  msgs: readonly { role: string; text: string }[],
  msgIndex: readonly number[],
  features: readonly (TextFeatures | undefined)[],
  read: { intents: readonly string[]; actedOn: readonly number[] },
): () => IntentSpan[] {
  return () =>
    msgs.flatMap((m, k) =>
      !canonicalizer.explain || (isDataRole(m.role) && !read.actedOn.includes(k))
        ? []
        : (features[k]?.evidence ?? canonicalizer.explain(m.text).evidence)
            .filter((e) => read.intents.includes(e.pair))
            .map((e) => ({
              intent: e.pair,
              message: msgIndex[k]!,
              action: e.action,
              object: e.object,
              rule: e.rule,
            })),
    );
}
