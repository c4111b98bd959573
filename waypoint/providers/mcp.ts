// MCP over streamable HTTP: JSON-RPC `tools/call` requests are inspected as tool calls (request phase);
// refusals are JSON-RPC error objects so MCP clients report them per call.
import { requestInvalid } from '../errors.js';
import type { ToolCall } from '../policy/decision.js';
import { jsonEvent } from '../streaming/sse.js';
import { errorFields, isRecord, type Provider, type StreamTracker } from './types.js';

/** JSON-RPC server-error range; -32001 is ours for "refused by policy or the waypoint". */
const POLICY_ERROR = -32001;

function messagesOf(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : [body];
  return list.map((m, i) => {
    if (!isRecord(m) || m.jsonrpc !== '2.0')
      throw requestInvalid(`JSON-RPC message ${i} needs "jsonrpc": "2.0"`);
    return m;
  });
}

const passTracker: StreamTracker = {
  observe: () => ({}),
  text: () => undefined,
  withText: (ev) => ev,
};

export const mcp: Provider = {
  name: 'mcp',

  apiFor(method) {
    return method === 'POST' ? 'jsonrpc' : 'http';
  },

  hasJsonBody(api) {
    return api === 'jsonrpc';
  },

  requestSlots() {
    return [];
  },

  parse(api, body) {
    const calls: ToolCall[] = [];
    const methods: string[] = [];
    for (const m of messagesOf(body)) {
      if (typeof m.method !== 'string') continue;
      methods.push(m.method);
      if (m.method !== 'tools/call') continue;
      const p = isRecord(m.params) ? m.params : {};
      if (typeof p.name !== 'string') throw requestInvalid('tools/call needs params.name');
      calls.push({ id: String(m.id ?? ''), name: p.name, arguments: p.arguments ?? {} });
    }
    return {
      provider: 'mcp',
      api,
      model: '',
      stream: false,
      max_tokens: null,
      text: methods.join('\n'),
      messages: [],
      tools: [],
      tool_calls: calls,
    };
  },

  inspectsResponse() {
    return false;
  },

  parseResponse() {
    return { toolCalls: [], usage: undefined };
  },

  responseSlots() {
    return [];
  },

  stream() {
    return passTracker;
  },

  errorBody(err, requestBody) {
    const f = errorFields(err);
    const first = Array.isArray(requestBody) ? requestBody[0] : requestBody;
    const id =
      isRecord(first) && (typeof first.id === 'string' || typeof first.id === 'number') ? first.id : null;
    return { jsonrpc: '2.0', id, error: { code: POLICY_ERROR, message: f.message, data: f } };
  },

  streamError(err) {
    return jsonEvent(this.errorBody(err));
  },
};
