// A conversation read with roles: instructions (system, user, assistant) yield intents; content the
// agent read (tool results, documents) is data and yields intents only when a later instruction
// asks to act on it ("do what the document says"), so a Makefile the agent merely read does not
// block every later request of the conversation.
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

/**
 * Reads a conversation in order. `pairsOf` defaults to `c.pairs` (the waypoint passes its memoized
 * version). Data pairs join the intents when an instruction after them asks to act on data.
 */
export function conversationIntents(
  c: { pairs(text: string): readonly string[] },
  messages: readonly RoleMessage[],
  pairsOf: (text: string) => readonly string[] = (t) => c.pairs(t),
): ConversationIntents {
  const intents = new Set<string>();
  const actedOn: number[] = [];
  let data = new Set<string>();
  let pending: number[] = [];
  messages.forEach((m, index) => {
    if (m.text === '') return;
    if (isDataRole(m.role)) {
      for (const p of pairsOf(m.text)) data.add(p);
      pending.push(index);
      return;
    }
    for (const p of pairsOf(m.text)) intents.add(p);
    if (data.size > 0 && m.role !== 'assistant' && asksToActOnData(m.text)) {
      for (const p of data) intents.add(p);
      actedOn.push(...pending);
      data = new Set();
      pending = [];
    }
  });
  return {
    intents: [...intents].sort(),
    inertData: [...data].filter((p) => !intents.has(p)).sort(),
    actedOn,
  };
}
