// The provider adapter contract: how one API family's requests, responses, stream events and error
// shapes look to the rest of the waypoint (filters never special-case a provider themselves).
import type { WaypointError } from '../errors.js';
import type { DecisionRequest, ToolCall } from '../policy/decision.js';
import type { SseEvent } from '../streaming/sse.js';

export type ProviderName = 'openai' | 'anthropic' | 'mcp' | 'generic';

/** One rewritable string inside a parsed body (a message's text, a tool result, a prompt). */
export interface TextSlot {
  role: string;
  get(): string;
  set(value: string): void;
}

export interface Usage {
  prompt: number;
  completion: number;
}

export interface ParsedResponse {
  toolCalls: ToolCall[];
  usage: Usage | undefined;
}

/** What one stream event means, as far as the filters care. */
export interface StreamObservation {
  /** A tool call began in this event: hold events from here on. */
  toolCallStarted?: boolean;
  /** Tool calls whose arguments are now complete. */
  completed?: ToolCall[];
  usage?: Partial<Usage>;
  /** An OpenAI usage-only chunk (`choices: []`), which exists only because include_usage was set. */
  usageOnly?: boolean;
  /** The terminal event (`[DONE]`, `message_stop`, `response.completed`). */
  done?: boolean;
}

/** Per-response stream state: assembles tool-call deltas and reads/writes text deltas. */
export interface StreamTracker {
  observe(ev: SseEvent): StreamObservation;
  /** The text a delta event carries, or undefined when it carries none. */
  text(ev: SseEvent): string | undefined;
  /** A copy of a text delta event carrying `text` instead. */
  withText(ev: SseEvent, text: string): SseEvent;
  /**
   * Which text stream a delta belongs to (the choice index of an `n > 1` chat stream): text held
   * back by a rewrite is released in an event of its own channel, never another choice's.
   */
  channel?(ev: SseEvent): number;
  /**
   * Rewrites text an event carries whole (not as a delta), e.g. the Responses API's `*.done` and
   * `response.completed` events; returns the event unchanged when it carries none.
   */
  rewriteWhole?(ev: SseEvent, rewrite: (text: string) => string): SseEvent;
  /** Removes fields that exist only because the waypoint changed the request (OpenAI `usage: null`). */
  strip?(ev: SseEvent): SseEvent;
}

export interface Provider {
  readonly name: ProviderName;
  /** The API a method + path names (`chat.completions`, `messages`, …), or undefined when unknown. */
  apiFor(method: string, path: string): string | undefined;
  /** Whether the API carries a JSON body the waypoint must parse and check. */
  hasJsonBody(api: string, method: string): boolean;
  /** Validates and normalizes a request body; throws a coded 400 for missing or mistyped fields. */
  parse(api: string, body: unknown): DecisionRequest;
  /** The rewritable text of a request body. */
  requestSlots(api: string, body: unknown): TextSlot[];
  /** Tool calls and usage in a non-streaming 2xx response body. */
  parseResponse(api: string, body: unknown): ParsedResponse;
  responseSlots(api: string, body: unknown): TextSlot[];
  /** Whether responses of this API are inspected (chat-like APIs) or passed through. */
  inspectsResponse(api: string): boolean;
  stream(api: string): StreamTracker;
  /** The provider-shaped error body for a refusal. */
  errorBody(err: WaypointError, requestBody?: unknown): unknown;
  /** The provider-shaped error event that ends a stream. */
  streamError(err: WaypointError, api: string): SseEvent;
  /** Adjusts a streaming request before forwarding; returns true when the body changed. */
  prepareStream?(api: string, body: Record<string, unknown>): { changed: boolean; stripUsage: boolean };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The slot of one property or array element (a class: no closures made per slot). */
class KeySlot implements TextSlot {
  constructor(
    readonly role: string,
    private readonly holder: Record<string | number, unknown>,
    private readonly key: string | number,
  ) {}

  get(): string {
    return this.holder[this.key] as string;
  }

  set(value: string): void {
    this.holder[this.key] = value;
  }
}

/** A slot for `obj[key]` when it holds a string. */
export function slot(role: string, obj: Record<string, unknown>, key: string): TextSlot | undefined {
  if (typeof obj[key] !== 'string') return undefined;
  return new KeySlot(role, obj, key);
}

export function slotAt(role: string, arr: unknown[], i: number): TextSlot | undefined {
  if (typeof arr[i] !== 'string') return undefined;
  return new KeySlot(role, arr as unknown as Record<number, unknown>, i);
}

/** Parses tool-call arguments sent as a JSON string; keeps the string when it is not JSON. */
export function parseArgs(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

export function optionalNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A request with nothing read from it yet: what a provider or route without a body starts from. */
export function emptyRequest(provider: string, api: string, text = ''): DecisionRequest {
  return {
    provider,
    api,
    model: '',
    stream: false,
    max_tokens: null,
    text,
    messages: [],
    tools: [],
    tool_calls: [],
  };
}

/** The messages of a request, read from its slots: the shape every provider's parse() returns. */
export function messagesFromSlots(slots: TextSlot[]): { role: string; text: string }[] {
  return slots.map((s) => ({ role: s.role, text: s.get() }));
}

/** Where a request made by joinedText keeps its messages' texts and, once read or written, its text. */
const JOINED = Symbol('semamesh.joinedText');
interface Joined {
  texts: string[];
  text: string | undefined;
}
// One getter and one setter for every request: V8 then gives all of them one hidden class. An
// accessor made of fresh closures per object (or an existing data property turned into an
// accessor) puts each request in dictionary mode, with a structure the young-generation GC keeps
// alive: every request's parsed texts survived scavenges and were promoted (bench/waypoint-wrk.sh:
// ~1.1 MB copied per scavenge at 1 KB chats, 4–8 ms pauses).
function joinedGet(this: { [JOINED]: Joined }): string {
  const j = this[JOINED];
  j.text ??= j.texts.join('\n');
  return j.text;
}
function joinedSet(this: { [JOINED]: Joined }, v: string): void {
  this[JOINED].text = v;
}

/**
 * A copy of `req` whose `text` is the messages' texts joined by newlines, joined when first read:
 * most requests never read it (the filters read the messages, a policy only when it says so), and
 * joining a long conversation copies all of it. The texts are those of parse time; a write replaces
 * the value. `req` must already hold a `text` key, so the property keeps its place among the keys.
 */
export function joinedText<T extends { text: string }>(req: T, messages: readonly { text: string }[]): T {
  const out = {} as T;
  for (const key of Object.keys(req) as (keyof T & string)[]) {
    if (key === 'text')
      Object.defineProperty(out, 'text', {
        enumerable: true,
        configurable: true,
        get: joinedGet,
        set: joinedSet,
      });
    else out[key] = req[key];
  }
  const state: Joined = { texts: messages.map((m) => m.text), text: undefined };
  Object.defineProperty(out, JOINED, { value: state });
  return out;
}

/** The human-readable part of an error shared by all shapes. */
export function errorFields(err: WaypointError): { message: string; code: string; rule?: string } {
  const out: { message: string; code: string; rule?: string } = { message: err.message, code: err.code };
  if (err.rule !== undefined) out.rule = err.rule;
  return out;
}

export function isPolicyRefusal(err: WaypointError): boolean {
  return err.code === 'SM_ERR_WAYPOINT_POLICY_BLOCK' || err.code === 'SM_ERR_WAYPOINT_POLICY_PAUSE';
}

/**
 * The role of text from a tool definition or an output schema: read by the model as instructions,
 * but naming its own tool's action is not a request (see filters/intent).
 */
export function toolSpecRole(toolName: string): string {
  return `tool_spec:${toolName}`;
}

/** Slots for every `description` (and `title`) in a JSON schema: text the model reads. */
export function schemaSlots(role: string, schema: unknown, out: TextSlot[], depth = 0): void {
  if (depth > 32) return;
  if (Array.isArray(schema)) {
    for (const v of schema) schemaSlots(role, v, out, depth + 1);
    return;
  }
  if (!isRecord(schema)) return;
  for (const key of ['description', 'title']) {
    const s = slot(role, schema, key);
    if (s) out.push(s);
  }
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description' || k === 'title' || k === 'enum' || k === 'const') continue;
    if (typeof v === 'object' && v !== null) schemaSlots(role, v, out, depth + 1);
  }
}

/**
 * A slot for a base64 data URL (or bare base64) of a text file: read decoded, written re-encoded.
 * Binary files (PDF, images) give none: the waypoint cannot read them (see docs/filters.md).
 */
export function dataUrlSlot(
  role: string,
  obj: Record<string, unknown>,
  key: string,
  mediaType?: string,
): TextSlot | undefined {
  const v = obj[key];
  if (typeof v !== 'string') return undefined;
  const m = /^data:([^;,]*)(;base64)?,/.exec(v);
  const type = m ? m[1] : (mediaType ?? '');
  if (!/^(text\/|application\/(json|xml|x-yaml|yaml|csv|x-sh|sql))/.test(type)) return undefined;
  const prefix = m ? m[0] : '';
  const b64 = m ? m[2] !== undefined : true;
  const payload = v.slice(prefix.length);
  return {
    role,
    get: () => (b64 ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload)),
    set: (text) => {
      obj[key] = prefix + (b64 ? Buffer.from(text, 'utf8').toString('base64') : encodeURIComponent(text));
    },
  };
}
