// Scripted replies of the mock LLM: validation of script entries (from code or JSON over HTTP), the
// first-match-wins store with `times`, the built-in demo script and the default echo reply.
import { scriptInvalid } from './errors.js';

export interface ToolCallSpec {
  name: string;
  /** An object is sent as compact JSON; a string is sent verbatim (so malformed JSON can be scripted). */
  arguments: Record<string, unknown> | string;
}

export interface ReplySpec {
  text?: string;
  toolCalls?: ToolCallSpec[];
  /** Number of streamed pieces the text is cut into (default: one per word). */
  chunks?: number;
  /** Wait before the status line is sent. */
  delayMs?: number;
  /** Wait between streamed events (0: the whole stream is written at once). */
  chunkDelayMs?: number;
  /** Non-2xx status: the reply is an error in the provider's format. */
  status?: number;
  /** Fields merged over the provider's default error object for `status`. */
  error?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** `match` is a substring (case-sensitive) or a regex tested against the last user-side text. */
export interface ScriptInput {
  match?: string | RegExp | { regex: string; flags?: string };
  /** How many requests this entry answers before it is used up (default: unlimited). */
  times?: number;
  reply: ReplySpec;
}

export interface ScriptHandle {
  readonly id: number;
  readonly times: number | undefined;
  /** Requests this entry has answered so far. */
  readonly hits: number;
}

/** A reply fixed for one request, before the provider renders it. */
export interface ReplyPlan {
  text: string;
  toolCalls: { name: string; arguments: string }[];
  chunks: number | undefined;
  delayMs: number;
  chunkDelayMs: number;
  status: number;
  error: Record<string, unknown> | undefined;
  headers: Record<string, string>;
}

interface Entry {
  id: number;
  test: (text: string) => boolean;
  times: number | undefined;
  hits: number;
  plan: Omit<ReplyPlan, 'text'> & { text: string | undefined };
}

const MAX_DELAY_MS = 600_000;
const MAX_CHUNKS = 100_000;
const SUMMARY_CHARS = 60;

/** The demo's dangerous agent turn; user scripts take precedence over it. */
export const CANNED_SCRIPTS: readonly ScriptInput[] = [
  {
    match: /run the cleanup/i,
    reply: { toolCalls: [{ name: 'shell', arguments: { command: 'kubectl delete ns prod' } }] },
  },
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optInt(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw scriptInvalid(`${field} must be an integer from ${min} to ${max}`);
  return v;
}

function compileMatch(match: unknown): (text: string) => boolean {
  if (match === undefined || match === null) return () => true;
  if (typeof match === 'string') return (text) => text.includes(match);
  let source: string;
  let flags: string;
  if (match instanceof RegExp) {
    source = match.source;
    flags = match.flags;
  } else if (isRecord(match) && typeof match.regex === 'string') {
    source = match.regex;
    if (match.flags !== undefined && typeof match.flags !== 'string')
      throw scriptInvalid('match.flags must be a string');
    flags = match.flags ?? '';
  } else {
    throw scriptInvalid('match must be a string, a RegExp or {"regex": "..."}');
  }
  let re: RegExp;
  try {
    // g and y make test() stateful through lastIndex, which would make matching depend on history.
    re = new RegExp(source, flags.replace(/[gy]/g, ''));
  } catch (cause) {
    throw scriptInvalid(`match.regex does not compile: ${source}`, cause);
  }
  return (text) => re.test(text);
}

function parseToolCalls(v: unknown): ReplyPlan['toolCalls'] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw scriptInvalid('reply.toolCalls must be an array');
  return v.map((call, i) => {
    if (!isRecord(call) || typeof call.name !== 'string' || call.name === '')
      throw scriptInvalid(`reply.toolCalls[${i}].name must be a non-empty string`);
    const args = call.arguments ?? {};
    if (typeof args === 'string') return { name: call.name, arguments: args };
    if (!isRecord(args)) throw scriptInvalid(`reply.toolCalls[${i}].arguments must be an object or a string`);
    return { name: call.name, arguments: JSON.stringify(args) };
  });
}

function parseHeaders(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw scriptInvalid('reply.headers must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k))
      throw scriptInvalid(`reply.headers.${k} must be a valid header name with a string value`);
    out[k.toLowerCase()] = val;
  }
  return out;
}

function parseEntry(input: unknown, id: number): Entry {
  if (!isRecord(input)) throw scriptInvalid('a script entry must be an object');
  const reply = input.reply;
  if (!isRecord(reply)) throw scriptInvalid('reply must be an object');
  if (reply.text !== undefined && reply.text !== null && typeof reply.text !== 'string')
    throw scriptInvalid('reply.text must be a string');
  if (reply.error !== undefined && reply.error !== null && !isRecord(reply.error))
    throw scriptInvalid('reply.error must be an object');
  const status = optInt(reply.status, 'reply.status', 200, 599) ?? (isRecord(reply.error) ? 500 : 200);
  // A redirect would send SDKs elsewhere and a 2xx with an error body would be neither shape.
  if (status >= 300 && status < 400) throw scriptInvalid('reply.status must be 2xx, 4xx or 5xx');
  if (status < 300 && isRecord(reply.error)) throw scriptInvalid('reply.error needs a 4xx or 5xx status');
  return {
    id,
    test: compileMatch(input.match),
    times: optInt(input.times, 'times', 1, Number.MAX_SAFE_INTEGER),
    hits: 0,
    plan: {
      text: typeof reply.text === 'string' ? reply.text : undefined,
      toolCalls: parseToolCalls(reply.toolCalls),
      chunks: optInt(reply.chunks, 'reply.chunks', 1, MAX_CHUNKS),
      delayMs: optInt(reply.delayMs, 'reply.delayMs', 0, MAX_DELAY_MS) ?? 0,
      chunkDelayMs: optInt(reply.chunkDelayMs, 'reply.chunkDelayMs', 0, MAX_DELAY_MS) ?? 0,
      status,
      error: isRecord(reply.error) ? reply.error : undefined,
      headers: parseHeaders(reply.headers),
    },
  };
}

/** Collapses whitespace and keeps the first 60 characters, so the echo stays short and stable. */
export function defaultReplyText(lastUserText: string): string {
  const flat = lastUserText.replace(/\s+/g, ' ').trim();
  if (flat === '') return 'Mock reply.';
  return `Mock reply to: ${Array.from(flat).slice(0, SUMMARY_CHARS).join('')}`;
}

export class ScriptStore {
  #entries: Entry[] = [];
  readonly #canned: Entry[];
  #nextId = 1;

  constructor(canned: boolean) {
    this.#canned = canned ? CANNED_SCRIPTS.map((s, i) => parseEntry(s, -1 - i)) : [];
  }

  /** Validates and appends one entry; throws SM_ERR_MOCK_SCRIPT_INVALID without changing the store. */
  add(input: unknown): ScriptHandle {
    const entry = parseEntry(input, this.#nextId++);
    this.#entries.push(entry);
    return {
      id: entry.id,
      times: entry.times,
      get hits() {
        return entry.hits;
      },
    };
  }

  /** Validates every entry first so a bad batch over HTTP adds nothing. */
  addAll(inputs: unknown[]): ScriptHandle[] {
    for (const input of inputs) parseEntry(input, 0);
    return inputs.map((input) => this.add(input));
  }

  clear(): void {
    this.#entries = [];
  }

  get size(): number {
    return this.#entries.length;
  }

  resolve(lastUserText: string): ReplyPlan {
    const entry =
      this.#entries.find((e) => e.test(lastUserText)) ?? this.#canned.find((e) => e.test(lastUserText));
    if (entry === undefined) {
      return {
        text: defaultReplyText(lastUserText),
        toolCalls: [],
        chunks: undefined,
        delayMs: 0,
        chunkDelayMs: 0,
        status: 200,
        error: undefined,
        headers: {},
      };
    }
    entry.hits++;
    if (entry.times !== undefined && entry.hits >= entry.times)
      this.#entries = this.#entries.filter((e) => e !== entry);
    const { text, ...rest } = entry.plan;
    const fallback = rest.toolCalls.length > 0 ? '' : defaultReplyText(lastUserText);
    return { ...rest, text: text ?? fallback };
  }
}
