// The OpenAI Responses API of the mock: `POST /v1/responses` plain, and streaming with the typed
// event sequence (created → output items and deltas → completed/incomplete) the SDK's helpers replay.
import { chatPromptTokens, lastUserTurn, shapeCompletion } from './completion.js';
import { type Handler, isRecord, positiveInt, requireModel, scriptedPreamble, sendJson } from './http.js';
import { openaiHeaders } from './openai.js';
import { eventFrame, splitArguments, splitText, writeStream } from './sse.js';

type Item = Record<string, unknown>;

function inputItems(input: unknown): Item[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  return Array.isArray(input) ? input.filter(isRecord) : [];
}

/** A user message, or the output of a tool call that the client sends back after running it. */
function isUserSide(m: Item): boolean {
  return (
    (m.role === 'user' && (m.type === undefined || m.type === 'message')) || m.type === 'function_call_output'
  );
}

/** Items are counted like chat messages; tool call items carry their arguments, outputs their output. */
function asMessage(item: Item): Item {
  return {
    role: typeof item.role === 'string' ? item.role : String(item.type ?? ''),
    content: item.content ?? item.output ?? item.arguments ?? '',
  };
}

function textPart(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export const responses: Handler = async (ctx, body, res) => {
  const model = requireModel(body, 'openai');
  const maxTokens = positiveInt(body, 'max_output_tokens');
  const items = inputItems(body.input);
  const tk = await ctx.tokenizer();
  const plan = ctx.scripts.resolve(lastUserTurn(items, isUserSide));
  const headers = { ...openaiHeaders(ctx), ...plan.headers };
  if (await scriptedPreamble(ctx, res, 'openai', plan, headers)) return;

  const inputTokens = chatPromptTokens(items.map(asMessage), [body.instructions, body.tools], tk);
  const c = shapeCompletion(plan, maxTokens, tk);
  const status = c.truncated ? 'incomplete' : 'completed';
  const output: Item[] = [];
  if (c.text !== '' || c.toolCalls.length === 0)
    output.push({
      id: ctx.nextId('msg_'),
      type: 'message',
      status,
      role: 'assistant',
      content: [textPart(c.text)],
    });
  for (const call of c.toolCalls)
    output.push({
      id: ctx.nextId('fc_'),
      type: 'function_call',
      status: 'completed',
      call_id: ctx.nextId('call_'),
      name: call.name,
      arguments: call.arguments,
    });
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: c.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + c.completionTokens,
  };
  const base = {
    id: ctx.nextId('resp_'),
    object: 'response',
    created_at: Math.floor(ctx.now() / 1000),
    background: false,
    error: null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: maxTokens ?? null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
    model,
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: body.store !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: 'disabled',
    user: null,
  };
  const final = {
    ...base,
    status,
    incomplete_details: c.truncated ? { reason: 'max_output_tokens' } : null,
    output,
    usage,
  };
  // `output_text` is not sent: it is a convenience the SDKs compute from `output`.
  if (body.stream !== true) {
    sendJson(res, 200, final, headers);
    return;
  }

  const pending = { ...base, status: 'in_progress', incomplete_details: null, output: [], usage: null };
  const frames: string[] = [];
  let seq = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    frames.push(eventFrame(type, { type, sequence_number: seq++, ...fields }));
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  output.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'message') {
      emit('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      emit('response.content_part.added', { item_id, output_index, content_index: 0, part: textPart('') });
      for (const delta of splitText(c.text, plan.chunks))
        emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] });
      emit('response.output_text.done', {
        item_id,
        output_index,
        content_index: 0,
        text: c.text,
        logprobs: [],
      });
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part: textPart(c.text) });
    } else {
      const args = String(item.arguments);
      emit('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of splitArguments(args))
        emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', {
        item_id,
        output_index,
        name: item.name,
        arguments: args,
      });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(c.truncated ? 'response.incomplete' : 'response.completed', { response: final });
  await writeStream(res, frames, plan.chunkDelayMs, ctx.signal, headers);
};
