// The Anthropic Messages API: request normalization (system, content blocks, tool_use/tool_result),
// response and stream inspection, and Anthropic-shaped errors.
import { requestInvalid, type WaypointError } from '../errors.js';
import type { ToolCall } from '../policy/decision.js';
import { eventJson, jsonEvent, type SseEvent } from '../streaming/sse.js';
import {
  dataUrlSlot,
  errorFields,
  isRecord,
  joinedText,
  messagesFromSlots,
  optionalNumber,
  type ParsedResponse,
  type Provider,
  type StreamObservation,
  type StreamTracker,
  schemaSlots,
  slot,
  type TextSlot,
  toolSpecRole,
} from './types.js';

const ERROR_TYPES: Record<WaypointError['kind'], string> = {
  invalid_request: 'invalid_request_error',
  permission: 'permission_error',
  rate_limit: 'rate_limit_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  unsupported_media: 'invalid_request_error',
  upstream: 'api_error',
  unavailable: 'api_error',
  internal: 'api_error',
};

function blockSlots(
  role: string,
  holder: Record<string, unknown>,
  key: string,
  out: TextSlot[],
  depth = 0,
): void {
  const c = holder[key];
  if (typeof c === 'string') {
    out.push(slot(role, holder, key)!);
    return;
  }
  if (!Array.isArray(c)) {
    if (c !== undefined && c !== null)
      throw requestInvalid(`${key} must be a string or an array of content blocks`);
    return;
  }
  for (const b of c) {
    if (!isRecord(b)) continue;
    if (b.type === 'text') {
      const s = slot(role, b, 'text');
      if (s) out.push(s);
    } else if (b.type === 'tool_result' && depth === 0) blockSlots('tool', b, 'content', out, 1);
    else if ((b.type === 'document' || b.type === 'search_result') && depth < 3)
      documentSlots(role, b, out, depth);
  }
}

/**
 * A `document` (or `search_result`) block: its title and context, and its text source — plain
 * text, base64 text, or content blocks. PDF and image sources cannot be read (docs/filters.md).
 */
function documentSlots(role: string, b: Record<string, unknown>, out: TextSlot[], depth: number): void {
  for (const k of ['title', 'context']) {
    const s = slot(role, b, k);
    if (s) out.push(s);
  }
  if (b.type === 'search_result') {
    blockSlots(role, b, 'content', out, depth + 1);
    return;
  }
  const src = isRecord(b.source) ? b.source : undefined;
  if (!src) return;
  if (src.type === 'text') {
    const s = slot(role, src, 'data');
    if (s) out.push(s);
  } else if (src.type === 'base64') {
    const s = dataUrlSlot(role, src, 'data', typeof src.media_type === 'string' ? src.media_type : '');
    if (s) out.push(s);
  } else if (src.type === 'content') blockSlots(role, src, 'content', out, depth + 1);
}

/** Tool definitions: descriptions and input schemas are read by the model. */
function toolSlots(body: Record<string, unknown>, out: TextSlot[]): void {
  if (!Array.isArray(body.tools)) return;
  for (const t of body.tools) {
    if (!isRecord(t)) continue;
    const role = toolSpecRole(typeof t.name === 'string' ? t.name : '');
    const d = slot(role, t, 'description');
    if (d) out.push(d);
    schemaSlots(role, t.input_schema, out);
  }
}

function messageSlots(body: Record<string, unknown>): TextSlot[] {
  const out: TextSlot[] = [];
  if (body.system !== undefined) blockSlots('system', body, 'system', out);
  if (!Array.isArray(body.messages)) throw requestInvalid('messages is required and must be an array');
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || typeof m.role !== 'string')
      throw requestInvalid(`messages[${i}] needs a string role`);
    blockSlots(m.role, m, 'content', out);
  }
  toolSlots(body, out);
  return out;
}

function contentToolCalls(content: unknown): ToolCall[] {
  const out: ToolCall[] = [];
  if (!Array.isArray(content)) return out;
  for (const b of content) {
    if (isRecord(b) && b.type === 'tool_use' && typeof b.name === 'string') {
      out.push({ id: String(b.id ?? ''), name: b.name, arguments: b.input });
    }
  }
  return out;
}

export const anthropic: Provider = {
  name: 'anthropic',

  apiFor(method, path) {
    if (method !== 'POST') return undefined;
    if (path === '/v1/messages') return 'messages';
    if (path === '/v1/messages/count_tokens') return 'messages.count_tokens';
    return undefined;
  },

  hasJsonBody() {
    return true;
  },

  requestSlots(_api, body) {
    if (!isRecord(body)) throw requestInvalid('the request body must be a JSON object');
    return messageSlots(body);
  },

  parse(api, body) {
    if (!isRecord(body)) throw requestInvalid('the request body must be a JSON object');
    if (typeof body.model !== 'string') throw requestInvalid('model is required and must be a string');
    if (api === 'messages' && typeof body.max_tokens !== 'number') {
      throw requestInvalid('max_tokens is required and must be a number');
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean')
      throw requestInvalid('stream must be a boolean');
    const messages = messagesFromSlots(messageSlots(body));
    const history: ToolCall[] = [];
    for (const m of body.messages as unknown[])
      if (isRecord(m)) for (const call of contentToolCalls(m.content)) history.push(call);
    const tools = Array.isArray(body.tools)
      ? body.tools
          .filter((t) => isRecord(t) && typeof t.name === 'string')
          .map((t) => (t as { name: string }).name)
      : [];
    return joinedText(
      {
        provider: 'anthropic',
        api,
        model: body.model,
        stream: body.stream === true,
        max_tokens: optionalNumber(body.max_tokens),
        text: '',
        messages,
        tools,
        tool_calls: history,
      },
      messages,
    );
  },

  inspectsResponse(api) {
    return api === 'messages';
  },

  parseResponse(_api, body) {
    const out: ParsedResponse = { toolCalls: [], usage: undefined };
    if (!isRecord(body)) return out;
    if (isRecord(body.usage)) {
      out.usage = {
        prompt: Number(body.usage.input_tokens ?? 0),
        completion: Number(body.usage.output_tokens ?? 0),
      };
    }
    out.toolCalls = contentToolCalls(body.content);
    return out;
  },

  responseSlots(_api, body) {
    const out: TextSlot[] = [];
    if (isRecord(body)) blockSlots('assistant', body, 'content', out);
    return out;
  },

  stream() {
    return new MessagesTracker();
  },

  errorBody(err) {
    const f = errorFields(err);
    const error: Record<string, unknown> = { type: ERROR_TYPES[err.kind], message: f.message, code: f.code };
    if (f.rule !== undefined) error.rule = f.rule;
    return { type: 'error', error };
  },

  streamError(err) {
    return jsonEvent(this.errorBody(err), 'error');
  },
};

/** Messages stream: a tool_use block opens at content_block_start and completes at its stop. */
class MessagesTracker implements StreamTracker {
  private readonly tools = new Map<number, { id: string; name: string; json: string }>();
  private readonly usage: { prompt?: number; completion?: number } = {};

  observe(ev: SseEvent): StreamObservation {
    const j = eventJson(ev);
    if (!isRecord(j)) return {};
    const index = typeof j.index === 'number' ? j.index : -1;
    switch (j.type) {
      case 'message_start': {
        const u = isRecord(j.message) && isRecord(j.message.usage) ? j.message.usage : {};
        if (typeof u.input_tokens === 'number') this.usage.prompt = u.input_tokens;
        if (typeof u.output_tokens === 'number') this.usage.completion = u.output_tokens;
        return { usage: { ...this.usage } };
      }
      case 'content_block_start': {
        const b = isRecord(j.content_block) ? j.content_block : {};
        if (b.type !== 'tool_use') return {};
        this.tools.set(index, { id: String(b.id ?? ''), name: String(b.name ?? ''), json: '' });
        return { toolCallStarted: true };
      }
      case 'content_block_delta': {
        const d = isRecord(j.delta) ? j.delta : {};
        const t = this.tools.get(index);
        if (t && d.type === 'input_json_delta' && typeof d.partial_json === 'string')
          t.json += d.partial_json;
        return {};
      }
      case 'content_block_stop': {
        const t = this.tools.get(index);
        if (!t) return {};
        this.tools.delete(index);
        let args: unknown = {};
        if (t.json.trim() !== '') {
          try {
            args = JSON.parse(t.json);
          } catch {
            args = t.json;
          }
        }
        return { completed: [{ id: t.id, name: t.name, arguments: args }] };
      }
      case 'message_delta': {
        const u = isRecord(j.usage) ? j.usage : {};
        if (typeof u.output_tokens === 'number') this.usage.completion = u.output_tokens;
        if (typeof u.input_tokens === 'number') this.usage.prompt = u.input_tokens;
        return { usage: { ...this.usage } };
      }
      case 'message_stop':
        return { done: true };
      default:
        return {};
    }
  }

  text(ev: SseEvent): string | undefined {
    const j = eventJson(ev);
    if (!isRecord(j) || j.type !== 'content_block_delta' || !isRecord(j.delta)) return undefined;
    return j.delta.type === 'text_delta' && typeof j.delta.text === 'string' ? j.delta.text : undefined;
  }

  withText(ev: SseEvent, text: string): SseEvent {
    const j = eventJson(ev) as Record<string, unknown>;
    return jsonEvent({ ...j, delta: { ...(j.delta as object), text } }, ev.event);
  }
}
