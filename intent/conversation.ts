// A conversation read with roles: instructions (system, user, assistant) yield intents; content the
// agent read (tool results, documents) is data and yields intents only when a later instruction
// asks to act on it ("do what the document says"), so a Makefile the agent merely read does not
// block every later request of the conversation. A pronoun whose antecedent is in an earlier
// message ("The database is called app-prod." … "Drop it now.") is resolved by salience across
// the messages (coreference.ts).
import { type Discourse, Salience } from './coreference.js';
import { ACT_ON_DATA } from './lexicon.js';
import { lex, phraseKey } from './lexing.js';

/** One message as the waypoint assembles it. */
export interface RoleMessage {
  role: string;
  text: string;
}

/** Roles whose text is material the agent read, not an instruction to it. */
const DATA_ROLES: ReadonlySet<string> = new Set(['tool', 'function', 'tool_result', 'document', 'ipython']);

/** The phrases as patterns over stems; `*` in a phrase stands for one word ("do what the * says"). */
const ACT = [...new Set(ACT_ON_DATA)].map(
  (phrase) =>
    new RegExp(
      ` ${phrase
        .split('*')
        .map((part) => phraseKey(part).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join(' \\S+ ')
        .replace(/\s+/g, ' ')
        .trim()} `,
    ),
);

/** Whether a message of this role is data (a tool result, a document) rather than an instruction. */
export function isDataRole(role: string): boolean {
  return DATA_ROLES.has(role.toLowerCase());
}

/** Whether an instruction asks to act on what was read ("follow the instructions", "run the commands"). */
export function asksToActOnData(text: string): boolean {
  const words = ` ${lex(text)
    .filter((t) => t.s !== ',')
    .map((t) => t.s)
    .join(' ')} `;
  return ACT.some((k) => k.test(words));
}

/** The intents of a conversation, and those found in data but not acted on (for the audit record). */
export interface ConversationIntents {
  intents: string[];
  /** Pairs inside data messages that no instruction asked to act on. */
  inertData: string[];
  /** Indices of the data messages an instruction asked to act on (their pairs are intents). */
  actedOn: number[];
}

/** The analyser a conversation is read with (the waypoint passes memoized versions of each). */
export interface ConversationReader {
  pairs(text: string): readonly string[];
  discourse?(text: string): Discourse;
}

/**
 * Memoized readings the waypoint supplies: per-message pairs and discourse (given the message's
 * text and its index in the conversation), and pairs of resolved sentences.
 */
export interface ConversationMemo {
  pairsOf?: (text: string, index: number) => readonly string[];
  discourseOf?: (text: string, index: number) => Discourse | undefined;
  resolvedPairsOf?: (text: string) => readonly string[];
  /**
   * The saved reading of the longest leading run of these messages the caller knows (a resent
   * conversation: everything but what is new), to continue from instead of reading it again.
   */
  resume?: () => ReadState | undefined;
  /** Offered the reading after the first `state.count` messages (all but the last, then all). */
  save?: (state: ReadState) => void;
}

/** The reading of a conversation's first `count` messages, to continue from; never changed once made. */
export interface ReadState {
  readonly count: number;
  readonly intents: readonly string[];
  readonly actedOn: readonly number[];
  readonly data: readonly string[];
  readonly pending: readonly number[];
  readonly salience: Salience;
}

/**
 * Reads a conversation in order. Data pairs join the intents when an instruction after them asks
 * to act on data; an instruction whose pronoun has no antecedent in its own text is read again with
 * the most salient entity of the messages before it as the antecedent.
 */
export function conversationIntents(
  c: ConversationReader,
  messages: readonly RoleMessage[],
  memo: ConversationMemo | ((text: string) => readonly string[]) = {},
): ConversationIntents {
  const m0 = typeof memo === 'function' ? { pairsOf: memo } : memo;
  const pairsOf = m0.pairsOf ?? ((t: string) => c.pairs(t));
  const discourseOf = m0.discourseOf ?? ((t: string) => c.discourse?.(t));
  const resolvedPairsOf = m0.resolvedPairsOf ?? ((t: string) => c.pairs(t));
  const saved = m0.resume?.();
  const from = saved !== undefined && saved.count <= messages.length ? saved : undefined;
  const intents = new Set<string>(from?.intents);
  const actedOn: number[] = [...(from?.actedOn ?? [])];
  const salience = from ? from.salience.copy() : new Salience();
  let data = new Set<string>(from?.data);
  let pending: number[] = [...(from?.pending ?? [])];
  const snapshot = (count: number): ReadState => ({
    count,
    intents: [...intents],
    actedOn: [...actedOn],
    data: [...data],
    pending: [...pending],
    salience: salience.copy(),
  });
  for (let index = from?.count ?? 0; index < messages.length; index++) {
    if (m0.save && index === messages.length - 1 && index > (from?.count ?? 0)) m0.save(snapshot(index));
    const m = messages[index]!;
    if (m.text === '') continue;
    const d = discourseOf(m.text, index);
    if (isDataRole(m.role)) {
      for (const p of pairsOf(m.text, index)) data.add(p);
      pending.push(index);
      if (d) salience.add(d);
      continue;
    }
    for (const p of pairsOf(m.text, index)) intents.add(p);
    if (d) {
      for (const r of d.references) {
        const e = salience.referent(r.plural);
        if (e?.object === undefined) continue;
        for (const p of resolvedPairsOf(`${e.object}. ${r.sentence}`)) intents.add(p);
      }
      salience.add(d);
    }
    if (data.size > 0 && m.role !== 'assistant' && asksToActOnData(m.text)) {
      for (const p of data) intents.add(p);
      for (const p of pending) actedOn.push(p);
      data = new Set();
      pending = [];
    }
  }
  if (m0.save && messages.length > (from?.count ?? 0)) m0.save(snapshot(messages.length));
  return {
    intents: [...intents].sort(),
    inertData: [...data].filter((p) => !intents.has(p)).sort(),
    actedOn,
  };
}
