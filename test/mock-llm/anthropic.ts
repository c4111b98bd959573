// Anthropic-compatible endpoints of the mock: Messages (plain and SSE with text and tool_use blocks),
// count_tokens, and the models list in Anthropic's shape.
import { chatPromptTokens, lastUserTurn, shapeCompletion, textOf } from './completion.js';
import {
  ApiError,
  type Handler,
  type MockContext,
  positiveInt,
  requireModel,
  scriptedPreamble,
  sendJson,
} from './http.js';
import { eventFrame, splitArguments, splitText, writeStream } from './sse.js';

/** A fixed timestamp for model objects so listings compare equal across runs. */
const MODEL_CREATED_AT = '2025-01-01T00:00:00Z';

function anthropicHeaders(ctx: MockContext): Record<string, string> {
  return { 'request-id': ctx.nextId('req_') };
}

function requireMessages(body: Record<string, unknown>): unknown[] {
  if (!Array.isArray(body.messages)) throw new ApiError(400, 'messages: Field required', 'messages');
  return body.messages;
}

function promptTokens(body: Record<string, unknown>, messages: unknown[], ctx: MockContext) {
  return ctx
    .tokenizer()
    .then((tk) => ({ tk, tokens: chatPromptTokens(messages, [textOf(body.system), body.tools], tk) }));
}

/** Tool input must be an object on the wire; scripted text that is not JSON becomes `{}`. */
function toolInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export const messages: Handler = async (ctx, body, res) => {
  const model = requireModel(body, 'anthropic');
  const msgs = requireMessages(body);
  if (body.max_tokens === undefined) throw new ApiError(400, 'max_tokens: Field required', 'max_tokens');
  const maxTokens = positiveInt(body, 'max_tokens');
  const { tk, tokens: inputTokens } = await promptTokens(body, msgs, ctx);
  const plan = ctx.scripts.resolve(lastUserTurn(msgs, (m) => m.role === 'user'));
  const headers = { ...anthropicHeaders(ctx), ...plan.headers };
  if (await scriptedPreamble(ctx, res, 'anthropic', plan, headers)) return;

  const c = shapeCompletion(plan, maxTokens, tk);
  const stopReason = c.truncated ? 'max_tokens' : c.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
  const tools = c.toolCalls.map((t) => ({ id: ctx.nextId('toolu_'), name: t.name, args: t.arguments }));
  const content: Record<string, unknown>[] = [];
  if (c.text !== '' || tools.length === 0) content.push({ type: 'text', text: c.text });
  for (const t of tools) content.push({ type: 'tool_use', id: t.id, name: t.name, input: toolInput(t.args) });
  const usage = {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: c.completionTokens,
    server_tool_use: null,
    service_tier: 'standard',
  };
  const base = { id: ctx.nextId('msg_'), type: 'message', role: 'assistant', model };
  if (body.stream !== true) {
    sendJson(res, 200, { ...base, content, stop_reason: stopReason, stop_sequence: null, usage }, headers);
    return;
  }

  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown> = {}) =>
    frames.push(eventFrame(type, { type, ...fields }));
  emit('message_start', {
    message: {
      ...base,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: Math.min(1, c.completionTokens) },
    },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (index === 0) emit('ping');
      for (const text of splitText(c.text, plan.chunks))
        emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
    } else {
      const t = tools[index - (content.length - tools.length)];
      emit('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} },
      });
      if (index === 0) emit('ping');
      for (const partial_json of splitArguments(t.args))
        emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
    emit('content_block_stop', { index });
  });
  emit('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: {
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: c.completionTokens,
    },
  });
  emit('message_stop');
  await writeStream(res, frames, plan.chunkDelayMs, ctx.signal, headers);
};

export const countTokens: Handler = async (ctx, body, res) => {
  requireModel(body, 'anthropic');
  const msgs = requireMessages(body);
  const { tokens } = await promptTokens(body, msgs, ctx);
  sendJson(res, 200, { input_tokens: tokens }, anthropicHeaders(ctx));
};

function modelObject(id: string) {
  return { type: 'model', id, display_name: id, created_at: MODEL_CREATED_AT };
}

function claudeModels(ctx: MockContext): string[] {
  return ctx.models.filter((m) => m.startsWith('claude'));
}

export const listModels: Handler = async (ctx, _body, res) => {
  const ids = claudeModels(ctx);
  sendJson(
    res,
    200,
    { data: ids.map(modelObject), has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null },
    anthropicHeaders(ctx),
  );
};

export const getModel: Handler = async (ctx, _body, res, params) => {
  const id = params.id ?? '';
  if (!claudeModels(ctx).includes(id)) throw new ApiError(404, `model: ${id}`);
  sendJson(res, 200, modelObject(id), anthropicHeaders(ctx));
};
