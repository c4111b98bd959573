// Provider-neutral pieces of a reply: pulling text out of request content, and fitting the scripted
// text and tool calls into the caller's max-token budget so `finish_reason: length` is real.
import type { ReplyPlan } from './script.js';
import type { Tokenizer } from './tokens.js';

export interface Completion {
  text: string;
  toolCalls: { name: string; arguments: string }[];
  /** The budget cut the reply short (OpenAI `length`, Anthropic `max_tokens`, Responses `incomplete`). */
  truncated: boolean;
  completionTokens: number;
}

const MAX_DEPTH = 32;

/**
 * Concatenates the text found in any provider's content shape: a string, an array of parts
 * (`text`, `input_text`, `output_text`, Anthropic `tool_result` with nested content), or an object
 * carrying `text`, `content` or `output`.
 */
export function textOf(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return '';
  if (Array.isArray(value))
    return value
      .map((v) => textOf(v, depth + 1))
      .filter((t) => t !== '')
      .join('\n');
  const o = value as Record<string, unknown>;
  if (typeof o.text === 'string') return o.text;
  if (o.content !== undefined) return textOf(o.content, depth + 1);
  if (o.output !== undefined) return textOf(o.output, depth + 1);
  return '';
}

/**
 * Text first, then tool calls in order; a tool call that does not fit gets its arguments cut (as a
 * real model would stop mid-JSON) and later calls are dropped.
 */
export function shapeCompletion(plan: ReplyPlan, maxTokens: number | undefined, tk: Tokenizer): Completion {
  const budget = maxTokens ?? Number.POSITIVE_INFINITY;
  let used = tk.count(plan.text);
  if (used > budget) {
    return { text: tk.truncate(plan.text, budget), toolCalls: [], truncated: true, completionTokens: budget };
  }
  const toolCalls: Completion['toolCalls'] = [];
  for (const call of plan.toolCalls) {
    const cost = tk.count(call.name) + tk.count(call.arguments);
    if (used + cost > budget) {
      const room = budget - used - tk.count(call.name);
      if (room > 0) toolCalls.push({ name: call.name, arguments: tk.truncate(call.arguments, room) });
      return { text: plan.text, toolCalls, truncated: true, completionTokens: budget };
    }
    used += cost;
    toolCalls.push(call);
  }
  return { text: plan.text, toolCalls, truncated: false, completionTokens: used };
}

/** Sums the token cost of a chat transcript the way OpenAI's cookbook estimates it. */
export function chatPromptTokens(
  messages: unknown[],
  extra: unknown[],
  tk: Tokenizer,
  perMessage = 3,
  priming = 3,
): number {
  let n = priming;
  for (const m of messages) {
    n += perMessage;
    if (m === null || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role === 'string') n += tk.count(msg.role);
    if (typeof msg.name === 'string') n += 1 + tk.count(msg.name);
    n += tk.count(textOf(msg.content));
    // Tool calls and tool_use blocks carry their JSON arguments, which the model reads as tokens too.
    if (Array.isArray(msg.tool_calls)) n += tk.count(JSON.stringify(msg.tool_calls));
    if (Array.isArray(msg.content))
      for (const part of msg.content)
        if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'tool_use')
          n += tk.count(JSON.stringify((part as { input?: unknown }).input ?? {}));
  }
  for (const e of extra) {
    if (e === undefined || e === null) continue;
    n += tk.count(typeof e === 'string' ? e : JSON.stringify(e));
  }
  return n;
}

/** The text a script matches: the last user-side turn, which is a tool result after a tool call. */
export function lastUserTurn(
  messages: unknown[],
  isUserSide: (m: Record<string, unknown>) => boolean,
): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== null && typeof m === 'object' && isUserSide(m as Record<string, unknown>)) return textOf(m);
  }
  return '';
}
