// The OpenAI API family: chat completions, responses, legacy completions, embeddings and models —
// request normalization, response and stream inspection, and OpenAI-shaped errors.
import { requestInvalid, type WaypointError } from '../errors.js';
import type { DecisionRequest, ToolCall } from '../policy/decision.js';
import { eventJson, jsonEvent, type SseEvent } from '../streaming/sse.js';
import {
  dataUrlSlot,
  errorFields,
  isPolicyRefusal,
  isRecord,
  joinedText,
  messagesFromSlots,
  optionalNumber,
  type ParsedResponse,
  type Provider,
  parseArgs,
  type StreamObservation,
  type StreamTracker,
  schemaSlots,
  slot,
  slotAt,
  type TextSlot,
  toolSpecRole,
} from './types.js';

const PATHS: Record<string, string> = {
  '/v1/chat/completions': 'chat.completions',
  '/v1/responses': 'responses',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};

const ERROR_TYPES: Record<WaypointError['kind'], string> = {
  invalid_request: 'invalid_request_error',
  permission: 'permission_error',
  rate_limit: 'rate_limit_error',
  not_found: 'not_found_error',
  too_large: 'invalid_request_error',
  unsupported_media: 'invalid_request_error',
  upstream: 'api_error',
  unavailable: 'api_error',
  internal: 'api_error',
};

/** Text parts of a content value: a string, or an array of `{type, text}` parts. */
function contentSlots(role: string, holder: Record<string, unknown>, key: string, out: TextSlot[]): void {
  const c = holder[key];
  if (typeof c === 'string') {
    out.push(slot(role, holder, key)!);
  } else if (Array.isArray(c)) {
    for (const part of c) {
      if (!isRecord(part)) continue;
      const s = slot(role, part, 'text');
      if (s) out.push(s);
      else if (typeof part.output === 'string') out.push(slot(role, part, 'output')!);
      else if (part.type === 'refusal' && typeof part.refusal === 'string')
        out.push(slot(role, part, 'refusal')!);
      // Shell output items (`shell_call_output`): what the command printed.
      for (const k of ['stdout', 'stderr']) {
        const o = slot(role, part, k);
        if (o) out.push(o);
      }
      // A text file given inline (`{type: "file", file: {file_data: "data:text/plain;base64,…"}}`).
      const file = isRecord(part.file) ? part.file : part.type === 'input_file' ? part : undefined;
      if (file) {
        const f = dataUrlSlot(role, file, 'file_data');
        if (f) out.push(f);
      }
    }
  } else if (c !== undefined && c !== null) {
    throw requestInvalid(`${key} must be a string or an array of content parts`);
  }
}

function chatSlots(body: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  if (typeof body.prompt === 'string' && body.messages === undefined) {
    out.push(slot('user', body, 'prompt')!);
    return out;
  }
  const messages = body.messages;
  if (!Array.isArray(messages)) throw requestInvalid('messages must be an array');
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string')
      throw requestInvalid(`messages[${i}] needs a string role`);
    contentSlots(m.role, m, 'content', out);
  }
  specSlots(body, out);
  return out;
}

/**
 * Text the model reads outside the messages: tool definitions (descriptions, parameter schemas) and
 * the output schema (`response_format`, Responses `text.format`).
 */
function specSlots(body: Record<string, unknown>, out: TextSlot[]): void {
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isRecord(t)) continue;
      const def = isRecord(t.function) ? t.function : isRecord(t.custom) ? t.custom : t;
      const role = toolSpecRole(typeof def.name === 'string' ? def.name : String(t.type ?? ''));
      const d = slot(role, def, 'description');
      if (d) out.push(d);
      schemaSlots(role, def.parameters, out);
      if (isRecord(def.format)) {
        const g = slot(role, def.format, 'definition');
        if (g) out.push(g);
      }
    }
  }
  const rf = isRecord(body.response_format) ? body.response_format : undefined;
  if (rf && isRecord(rf.json_schema)) {
    const d = slot(toolSpecRole(''), rf.json_schema, 'description');
    if (d) out.push(d);
    schemaSlots(toolSpecRole(''), rf.json_schema.schema, out);
  }
  const tf = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : undefined;
  if (tf) {
    const d = slot(toolSpecRole(''), tf, 'description');
    if (d) out.push(d);
    schemaSlots(toolSpecRole(''), tf.schema, out);
  }
}

/** Output items of the Responses API that carry what a tool returned. */
const TOOL_OUTPUT_ITEMS = new Set([
  'function_call_output',
  'custom_tool_call_output',
  'local_shell_call_output',
  'shell_call_output',
  'computer_call_output',
  'mcp_call_output',
]);

function responsesSlots(body: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  const instr = slot('system', body, 'instructions');
  if (instr) out.push(instr);
  const input = body.input;
  if (typeof input === 'string') out.push(slot('user', body, 'input')!);
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') continue;
      if (!isRecord(item)) throw requestInvalid('input items must be objects');
      if (typeof item.type === 'string' && TOOL_OUTPUT_ITEMS.has(item.type)) {
        // `output` is a string or an array of parts (`input_text`, files, shell stdout/stderr).
        if (
          item.output !== undefined &&
          item.output !== null &&
          typeof item.output !== 'object' &&
          typeof item.output !== 'string'
        )
          throw requestInvalid(`${item.type}.output must be a string or an array`);
        if (isRecord(item.output)) contentSlots('tool', { output: [item.output] }, 'output', out);
        else contentSlots('tool', item, 'output', out);
      } else if (item.content !== undefined) contentSlots(String(item.role ?? 'user'), item, 'content', out);
    }
  } else if (input !== undefined) throw requestInvalid('input must be a string or an array');
  specSlots(body, out);
  return out;
}

function promptSlots(body: Record<string, unknown>, key: string): TextSlot[] {
  const v = body[key];
  if (typeof v === 'string') return [slot('user', body, key)!];
  if (Array.isArray(v))
    return v.map((_, i) => slotAt('user', v, i)).filter((s): s is TextSlot => s !== undefined);
  return [];
}

/**
 * The tool calls of a chat message: `tool_calls[]` of type `function` and `custom` (freeform
 * input), and the legacy `function_call`.
 */
function messageToolCalls(m: Record<string, unknown>, out: ToolCall[]): void {
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isRecord(tc)) continue;
      if (isRecord(tc.function) && typeof tc.function.name === 'string') {
        out.push({
          id: String(tc.id ?? ''),
          name: tc.function.name,
          arguments: parseArgs(tc.function.arguments),
        });
      } else if (isRecord(tc.custom) && typeof tc.custom.name === 'string') {
        out.push({ id: String(tc.id ?? ''), name: tc.custom.name, arguments: tc.custom.input ?? '' });
      }
    }
  }
  if (isRecord(m.function_call) && typeof m.function_call.name === 'string') {
    out.push({ id: '', name: m.function_call.name, arguments: parseArgs(m.function_call.arguments) });
  }
}

/**
 * A Responses API item that is a call the agent executes: `function_call`, `custom_tool_call`
 * (freeform input), `local_shell_call` and `shell_call` (commands), `mcp_call`.
 */
function itemToolCall(item: Record<string, unknown>): ToolCall | undefined {
  const id = String(item.call_id ?? item.id ?? '');
  switch (item.type) {
    case 'function_call':
    case 'mcp_call':
      return typeof item.name === 'string'
        ? { id, name: item.name, arguments: parseArgs(item.arguments) }
        : undefined;
    case 'custom_tool_call':
      return typeof item.name === 'string' ? { id, name: item.name, arguments: item.input ?? '' } : undefined;
    case 'local_shell_call':
    case 'shell_call': {
      const action = isRecord(item.action) ? item.action : {};
      // `command` is an argv (local shell) or `commands` a list of command lines (shell tool).
      return { id, name: item.type === 'shell_call' ? 'shell' : 'local_shell', arguments: action };
    }
    default:
      return undefined;
  }
}

/** Item types whose start in a stream opens a held tool call. */
const CALL_ITEMS = new Set([
  'function_call',
  'mcp_call',
  'custom_tool_call',
  'local_shell_call',
  'shell_call',
]);

function historyToolCalls(api: string, body: Record<string, unknown>): ToolCall[] {
  const out: ToolCall[] = [];
  if (api === 'chat.completions' && Array.isArray(body.messages)) {
    for (const m of body.messages) if (isRecord(m)) messageToolCalls(m, out);
  } else if (api === 'responses' && Array.isArray(body.input)) {
    for (const item of body.input) {
      const call = isRecord(item) ? itemToolCall(item) : undefined;
      if (call) out.push(call);
    }
  }
  return out;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const out: string[] = [];
  for (const t of tools) {
    if (!isRecord(t)) continue;
    if (isRecord(t.function) && typeof t.function.name === 'string') out.push(t.function.name);
    else if (typeof t.name === 'string') out.push(t.name);
  }
  return out;
}

export const openai: Provider = {
  name: 'openai',

  apiFor(method, path) {
    if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) return 'models';
    return method === 'POST' ? PATHS[path] : undefined;
  },

  hasJsonBody(api, method) {
    return api !== 'models' && method === 'POST';
  },

  requestSlots(api, body) {
    if (!isRecord(body)) throw requestInvalid('the request body must be a JSON object');
    if (api === 'chat.completions') return chatSlots(body);
    if (api === 'responses') return responsesSlots(body);
    if (api === 'completions') return promptSlots(body, 'prompt');
    if (api === 'embeddings') return promptSlots(body, 'input');
    return [];
  },

  parse(api, body) {
    if (!isRecord(body)) throw requestInvalid('the request body must be a JSON object');
    const barePrompt =
      api === 'chat.completions' && typeof body.prompt === 'string' && body.messages === undefined;
    if (typeof body.model !== 'string' && !barePrompt && api !== 'models') {
      throw requestInvalid('model is required and must be a string');
    }
    if (api === 'chat.completions' && !barePrompt && !Array.isArray(body.messages)) {
      throw requestInvalid('messages is required and must be an array (or send a bare {"prompt": "..."})');
    }
    if (api === 'responses' && body.input === undefined) throw requestInvalid('input is required');
    if (api === 'completions' && body.prompt === undefined) throw requestInvalid('prompt is required');
    if (api === 'embeddings' && body.input === undefined) throw requestInvalid('input is required');
    if (body.stream !== undefined && typeof body.stream !== 'boolean')
      throw requestInvalid('stream must be a boolean');
    const messages = messagesFromSlots(this.requestSlots(api, body));
    const req: DecisionRequest = {
      provider: 'openai',
      api,
      model: typeof body.model === 'string' ? body.model : '',
      stream: body.stream === true,
      max_tokens: optionalNumber(body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens),
      text: '',
      messages,
      tools: toolNames(body.tools),
      tool_calls: historyToolCalls(api, body),
    };
    return joinedText(req, messages);
  },

  inspectsResponse(api) {
    return api === 'chat.completions' || api === 'responses' || api === 'completions';
  },

  parseResponse(api, body) {
    const out: ParsedResponse = { toolCalls: [], usage: undefined };
    if (!isRecord(body)) return out;
    const u = body.usage;
    if (isRecord(u)) {
      const prompt = Number(u.prompt_tokens ?? u.input_tokens ?? 0);
      const completion = Number(u.completion_tokens ?? u.output_tokens ?? 0);
      out.usage = { prompt, completion };
    }
    if (api === 'chat.completions' && Array.isArray(body.choices)) {
      for (const c of body.choices)
        if (isRecord(c) && isRecord(c.message)) messageToolCalls(c.message, out.toolCalls);
    } else if (api === 'responses' && Array.isArray(body.output)) {
      for (const item of body.output) {
        const call = isRecord(item) ? itemToolCall(item) : undefined;
        if (call) out.toolCalls.push(call);
      }
    }
    return out;
  },

  responseSlots(api, body) {
    const out: TextSlot[] = [];
    if (!isRecord(body)) return out;
    if (api === 'chat.completions' && Array.isArray(body.choices)) {
      for (const c of body.choices)
        if (isRecord(c) && isRecord(c.message)) contentSlots('assistant', c.message, 'content', out);
    } else if (api === 'completions' && Array.isArray(body.choices)) {
      for (const c of body.choices)
        if (isRecord(c) && typeof c.text === 'string') out.push(slot('assistant', c, 'text')!);
    } else if (api === 'responses' && Array.isArray(body.output)) {
      for (const item of body.output)
        if (isRecord(item) && item.type === 'message') contentSlots('assistant', item, 'content', out);
    }
    return out;
  },

  stream(api) {
    return api === 'responses' ? new ResponsesTracker() : new ChatTracker(api);
  },

  prepareStream(api, body) {
    if (api !== 'chat.completions' && api !== 'completions') return { changed: false, stripUsage: false };
    const opts = body.stream_options;
    if (isRecord(opts) && opts.include_usage === true) return { changed: false, stripUsage: false };
    body.stream_options = { ...(isRecord(opts) ? opts : {}), include_usage: true };
    return { changed: true, stripUsage: true };
  },

  errorBody(err) {
    const f = errorFields(err);
    const error: Record<string, unknown> = {
      message: f.message,
      type: ERROR_TYPES[err.kind],
      code: isPolicyRefusal(err) ? 'semamesh_policy_violation' : f.code,
      param: null,
      semamesh_code: f.code,
    };
    if (f.rule !== undefined) error.rule = f.rule;
    return { error };
  },

  streamError(err, api) {
    const body = this.errorBody(err) as { error: Record<string, unknown> };
    if (api === 'responses') {
      // The SDK throws on `data.error`; `type: "error"` keeps the Responses event shape too.
      return jsonEvent(
        { type: 'error', code: body.error.code, message: body.error.message, param: null, error: body.error },
        'error',
      );
    }
    return jsonEvent(body);
  },
};

/** Chat and legacy completion chunks: tool-call deltas by index, complete at finish_reason. */
class ChatTracker implements StreamTracker {
  private calls = new Map<number, { id: string; name: string; args: string }>();

  constructor(private readonly api: string) {}

  observe(ev: SseEvent): StreamObservation {
    if (ev.data === '[DONE]') return { done: true, completed: this.flush() };
    // Fast path for the common text chunk: nothing a tracker cares about can be in it.
    const d = ev.data;
    if (
      !d.includes('"tool_calls"') &&
      !d.includes('"function_call"') &&
      !d.includes('"usage":{') &&
      d.includes('"finish_reason":null')
    )
      return {};
    const j = eventJson(ev);
    if (!isRecord(j)) return {};
    const obs: StreamObservation = {};
    if (isRecord(j.usage)) {
      obs.usage = {
        prompt: Number(j.usage.prompt_tokens ?? 0),
        completion: Number(j.usage.completion_tokens ?? 0),
      };
      if (Array.isArray(j.choices) && j.choices.length === 0) obs.usageOnly = true;
    }
    if (!Array.isArray(j.choices)) return obs;
    let finished = false;
    for (const c of j.choices) {
      if (!isRecord(c)) continue;
      const d = c.delta;
      if (isRecord(d) && Array.isArray(d.tool_calls)) {
        for (const tc of d.tool_calls) {
          if (!isRecord(tc)) continue;
          const idx = typeof tc.index === 'number' ? tc.index : 0;
          let call = this.calls.get(idx);
          if (!call) {
            call = { id: '', name: '', args: '' };
            this.calls.set(idx, call);
            obs.toolCallStarted = true;
          }
          if (typeof tc.id === 'string') call.id = tc.id;
          const fn = isRecord(tc.function) ? tc.function : isRecord(tc.custom) ? tc.custom : {};
          if (typeof fn.name === 'string') call.name += fn.name;
          if (typeof fn.arguments === 'string') call.args += fn.arguments;
          if (typeof fn.input === 'string') call.args += fn.input;
        }
      }
      // The legacy `function_call` delta: one call per choice, index -1 so it never meets a tool call's.
      if (isRecord(d) && isRecord(d.function_call)) {
        const idx = -1 - (typeof c.index === 'number' ? c.index : 0);
        let call = this.calls.get(idx);
        if (!call) {
          call = { id: '', name: '', args: '' };
          this.calls.set(idx, call);
          obs.toolCallStarted = true;
        }
        if (typeof d.function_call.name === 'string') call.name += d.function_call.name;
        if (typeof d.function_call.arguments === 'string') call.args += d.function_call.arguments;
      }
      if (c.finish_reason !== null && c.finish_reason !== undefined) finished = true;
    }
    if (finished && this.calls.size > 0) obs.completed = this.flush();
    return obs;
  }

  private flush(): ToolCall[] {
    const out = [...this.calls.values()].map((c) => ({
      id: c.id,
      name: c.name,
      arguments: parseArgs(c.args),
    }));
    this.calls.clear();
    return out;
  }

  text(ev: SseEvent): string | undefined {
    const j = eventJson(ev);
    if (!isRecord(j) || !Array.isArray(j.choices) || j.choices.length !== 1) return undefined;
    const c = j.choices[0];
    if (!isRecord(c)) return undefined;
    if (this.api === 'completions') return typeof c.text === 'string' ? c.text : undefined;
    return isRecord(c.delta) && typeof c.delta.content === 'string' ? c.delta.content : undefined;
  }

  channel(ev: SseEvent): number {
    const j = eventJson(ev);
    const c = isRecord(j) && Array.isArray(j.choices) ? j.choices[0] : undefined;
    return isRecord(c) && typeof c.index === 'number' ? c.index : 0;
  }

  withText(ev: SseEvent, text: string): SseEvent {
    const j = structuredClone(eventJson(ev)) as { choices: Record<string, unknown>[] };
    const c = j.choices[0];
    if (this.api === 'completions') c.text = text;
    else (c.delta as Record<string, unknown>).content = text;
    return jsonEvent(j, ev.event);
  }

  strip(ev: SseEvent): SseEvent {
    // Upstreams append the field last; cut it from the text instead of re-encoding the chunk.
    if (ev.data.endsWith(',"usage":null}')) {
      const out: SseEvent = { data: `${ev.data.slice(0, -14)}}` };
      if (ev.event !== undefined) out.event = ev.event;
      return out;
    }
    const j = eventJson(ev);
    if (!isRecord(j) || !('usage' in j) || j.usage !== null) return ev;
    const { usage: _drop, ...rest } = j;
    return jsonEvent(rest, ev.event);
  }
}

/** Responses API events: function calls open at output_item.added and complete at output_item.done. */
class ResponsesTracker implements StreamTracker {
  observe(ev: SseEvent): StreamObservation {
    const j = eventJson(ev);
    if (!isRecord(j)) return {};
    const type = j.type;
    const item = isRecord(j.item) ? j.item : undefined;
    if (type === 'response.output_item.added' && typeof item?.type === 'string' && CALL_ITEMS.has(item.type))
      return { toolCallStarted: true };
    if (type === 'response.output_item.done' && typeof item?.type === 'string' && CALL_ITEMS.has(item.type)) {
      const call = itemToolCall(item);
      return { completed: [call ?? { id: '', name: String(item.name ?? item.type), arguments: {} }] };
    }
    if (type === 'response.completed' || type === 'response.incomplete') {
      const r = isRecord(j.response) ? j.response : {};
      const u = isRecord(r.usage) ? r.usage : undefined;
      const obs: StreamObservation = { done: true };
      if (u) obs.usage = { prompt: Number(u.input_tokens ?? 0), completion: Number(u.output_tokens ?? 0) };
      return obs;
    }
    return {};
  }

  text(ev: SseEvent): string | undefined {
    const j = eventJson(ev);
    return isRecord(j) && j.type === 'response.output_text.delta' && typeof j.delta === 'string'
      ? j.delta
      : undefined;
  }

  withText(ev: SseEvent, text: string): SseEvent {
    const j = { ...(eventJson(ev) as Record<string, unknown>), delta: text };
    return jsonEvent(j, ev.event);
  }

  rewriteWhole(ev: SseEvent, rewrite: (text: string) => string): SseEvent {
    const j = eventJson(ev);
    if (!isRecord(j) || typeof j.type !== 'string' || !WHOLE_TEXT_EVENTS.has(j.type)) return ev;
    const copy = structuredClone(j);
    const slots: TextSlot[] = [];
    const s = slot('assistant', copy, 'text');
    if (s) slots.push(s);
    if (isRecord(copy.part)) {
      const p = slot('assistant', copy.part, 'text');
      if (p) slots.push(p);
    }
    const items = isRecord(copy.item)
      ? [copy.item]
      : isRecord(copy.response) && Array.isArray(copy.response.output)
        ? copy.response.output
        : [];
    for (const item of items)
      if (isRecord(item) && item.type === 'message') contentSlots('assistant', item, 'content', slots);
    let changed = false;
    for (const sl of slots) {
      const before = sl.get();
      const after = rewrite(before);
      if (after !== before) {
        sl.set(after);
        changed = true;
      }
    }
    return changed ? jsonEvent(copy, ev.event) : ev;
  }
}

/** Responses API events that repeat the whole text of what the deltas streamed. */
const WHOLE_TEXT_EVENTS = new Set([
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
  'response.incomplete',
]);
