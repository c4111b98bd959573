// OpenAI-compatible endpoints of the mock except the Responses API: chat completions (plain and SSE,
// tool calls, include_usage, length), legacy completions, embeddings and the models list.
import { createHash } from 'node:crypto';
import { chatPromptTokens, lastUserTurn, shapeCompletion } from './completion.js';
import {
  ApiError,
  type Handler,
  isRecord,
  type MockContext,
  positiveInt,
  requireModel,
  scriptedPreamble,
  sendJson,
} from './http.js';
import { DONE_FRAME, dataFrame, splitArguments, splitText, writeStream } from './sse.js';

const FINGERPRINT = 'fp_mock';
/** A fixed `created` for model objects, so listings compare equal across runs. */
const MODEL_CREATED = 1_700_000_000;

export function openaiHeaders(ctx: MockContext): Record<string, string> {
  return { 'x-request-id': ctx.nextId('req_'), 'openai-processing-ms': '1' };
}

function chatUsage(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Streaming only: `stream_options` without `stream` is refused by the real API too. */
function streamFlags(body: Record<string, unknown>): { stream: boolean; includeUsage: boolean } {
  const stream = body.stream === true;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream)
    throw new ApiError(
      400,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
      'invalid_value',
    );
  const opts = body.stream_options;
  return { stream, includeUsage: stream && isRecord(opts) && opts.include_usage === true };
}

export const chatCompletions: Handler = async (ctx, body, res) => {
  const model = requireModel(body, 'openai');
  const messages = body.messages;
  if (!Array.isArray(messages))
    throw new ApiError(
      400,
      "Missing required parameter: 'messages'.",
      'messages',
      'missing_required_parameter',
    );
  if (messages.length === 0)
    throw new ApiError(400, "Invalid 'messages': empty array.", 'messages', 'empty_array');
  const { stream, includeUsage } = streamFlags(body);
  const maxTokens = positiveInt(body, 'max_completion_tokens') ?? positiveInt(body, 'max_tokens');
  const tk = await ctx.tokenizer();
  const plan = ctx.scripts.resolve(
    lastUserTurn(messages, (m) => m.role === 'user' || m.role === 'tool' || m.role === 'function'),
  );
  const headers = { ...openaiHeaders(ctx), ...plan.headers };
  if (await scriptedPreamble(ctx, res, 'openai', plan, headers)) return;

  const promptTokens = chatPromptTokens(messages, [body.tools, body.functions, body.response_format], tk);
  const c = shapeCompletion(plan, maxTokens, tk);
  const finish = c.truncated ? 'length' : c.toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const usage = chatUsage(promptTokens, c.completionTokens);
  const toolCalls = c.toolCalls.map((t) => ({
    id: ctx.nextId('call_'),
    type: 'function' as const,
    function: { name: t.name, arguments: t.arguments },
  }));
  const id = ctx.nextId('chatcmpl-');
  const created = Math.floor(ctx.now() / 1000);
  const envelope = (object: string) => ({
    id,
    object,
    created,
    model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  });

  if (!stream) {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: c.text === '' && toolCalls.length > 0 ? null : c.text,
      refusal: null,
      annotations: [],
    };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    sendJson(
      res,
      200,
      {
        ...envelope('chat.completion'),
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage,
      },
      headers,
    );
    return;
  }

  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    dataFrame({
      ...envelope('chat.completion.chunk'),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    });
  const frames = [chunk({ role: 'assistant', content: c.text === '' ? null : '', refusal: null })];
  for (const piece of splitText(c.text, plan.chunks)) frames.push(chunk({ content: piece }));
  toolCalls.forEach((call, index) => {
    frames.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of splitArguments(call.function.arguments))
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  frames.push(chunk({}, finish));
  if (includeUsage) frames.push(dataFrame({ ...envelope('chat.completion.chunk'), choices: [], usage }));
  frames.push(DONE_FRAME);
  await writeStream(res, frames, plan.chunkDelayMs, ctx.signal, headers);
};

/** The legacy prompt is a string, a list of strings, or token ids; only strings carry matchable text. */
function promptParts(prompt: unknown): { texts: string[]; idTokens: number } {
  if (typeof prompt === 'string') return { texts: [prompt], idTokens: 0 };
  if (!Array.isArray(prompt)) return { texts: [], idTokens: 0 };
  if (prompt.every((p) => typeof p === 'number')) return { texts: [], idTokens: prompt.length };
  const texts = prompt.filter((p): p is string => typeof p === 'string');
  const idTokens = prompt.filter(Array.isArray).reduce((n, ids: unknown[]) => n + ids.length, 0);
  return { texts, idTokens };
}

export const completions: Handler = async (ctx, body, res) => {
  const model = requireModel(body, 'openai');
  const { stream, includeUsage } = streamFlags(body);
  const maxTokens = positiveInt(body, 'max_tokens');
  const tk = await ctx.tokenizer();
  const { texts, idTokens } = promptParts(body.prompt);
  const plan = ctx.scripts.resolve(texts.at(-1) ?? '');
  const headers = { ...openaiHeaders(ctx), ...plan.headers };
  if (await scriptedPreamble(ctx, res, 'openai', plan, headers)) return;

  const promptTokens = texts.reduce((n, t) => n + tk.count(t), idTokens);
  // Legacy completions have no tool calls: a tool-call script answers with its text alone.
  const c = shapeCompletion({ ...plan, toolCalls: [] }, maxTokens, tk);
  const finish = c.truncated ? 'length' : 'stop';
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: c.completionTokens,
    total_tokens: promptTokens + c.completionTokens,
  };
  const base = {
    id: ctx.nextId('cmpl-'),
    object: 'text_completion',
    created: Math.floor(ctx.now() / 1000),
    model,
    system_fingerprint: FINGERPRINT,
  };
  const choice = (text: string, finishReason: string | null) => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finishReason,
  });
  if (!stream) {
    sendJson(res, 200, { ...base, choices: [choice(c.text, finish)], usage }, headers);
    return;
  }
  const extra = includeUsage ? { usage: null } : {};
  const frames = splitText(c.text, plan.chunks).map((p) =>
    dataFrame({ ...base, choices: [choice(p, null)], ...extra }),
  );
  frames.push(dataFrame({ ...base, choices: [choice('', finish)], ...extra }));
  if (includeUsage) frames.push(dataFrame({ ...base, choices: [], usage }));
  frames.push(DONE_FRAME);
  await writeStream(res, frames, plan.chunkDelayMs, ctx.signal, headers);
};

const EMBEDDING_DIMS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * A unit vector drawn from a PRNG seeded by SHA-256 of model and input. Shortening with `dimensions`
 * keeps the prefix and renormalizes, which is what OpenAI documents for its v3 models.
 */
export function embeddingVector(model: string, input: string, dims: number): number[] {
  const seed = createHash('sha256').update(model).update('\0').update(input).digest();
  let a = seed.readUInt32LE(0);
  let b = seed.readUInt32LE(4);
  let c = seed.readUInt32LE(8);
  let d = seed.readUInt32LE(12);
  const out = new Array<number>(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    // sfc32: small, fast and good enough to make distinct inputs look unrelated.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const v = (t >>> 0) / 2 ** 31 - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) out[i] = Math.fround(out[i] * scale);
  return out;
}

function embeddingInputs(input: unknown): { key: string; tokens: number | string }[] {
  const bad = () =>
    new ApiError(
      400,
      "'input' must be a non-empty string, array of strings, or array of token arrays.",
      'input',
    );
  if (typeof input === 'string') return input === '' ? [] : [{ key: input, tokens: input }];
  if (!Array.isArray(input) || input.length === 0) throw bad();
  if (input.every((x) => typeof x === 'number'))
    return [{ key: JSON.stringify(input), tokens: input.length }];
  return input.map((x) => {
    if (typeof x === 'string' && x !== '') return { key: x, tokens: x };
    if (Array.isArray(x) && x.length > 0 && x.every((n) => typeof n === 'number'))
      return { key: JSON.stringify(x), tokens: x.length };
    throw bad();
  });
}

export const embeddings: Handler = async (ctx, body, res) => {
  const model = requireModel(body, 'openai');
  const inputs = embeddingInputs(body.input);
  if (inputs.length === 0)
    throw new ApiError(
      400,
      "'input' must be a non-empty string, array of strings, or array of token arrays.",
      'input',
    );
  const full = EMBEDDING_DIMS[model] ?? 1536;
  const dims = positiveInt(body, 'dimensions') ?? full;
  if (dims > full)
    throw new ApiError(400, `This model's maximum dimensions is ${full}.`, 'dimensions', 'invalid_value');
  if (body.dimensions !== undefined && model === 'text-embedding-ada-002')
    throw new ApiError(400, 'This model does not support specifying dimensions.', 'dimensions');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw new ApiError(400, "'encoding_format' must be 'float' or 'base64'.", 'encoding_format');
  const tk = await ctx.tokenizer();
  let promptTokens = 0;
  const data = inputs.map((inp, index) => {
    promptTokens += typeof inp.tokens === 'number' ? inp.tokens : tk.count(inp.tokens);
    const vec = embeddingVector(model, inp.key, dims);
    const embedding =
      format === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    return { object: 'embedding', index, embedding };
  });
  sendJson(
    res,
    200,
    { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
    openaiHeaders(ctx),
  );
};

function modelObject(id: string) {
  return {
    id,
    object: 'model',
    created: MODEL_CREATED,
    owned_by: id.startsWith('claude') ? 'anthropic' : 'openai',
  };
}

export const listModels: Handler = async (ctx, _body, res) => {
  sendJson(res, 200, { object: 'list', data: ctx.models.map(modelObject) }, openaiHeaders(ctx));
};

export const getModel: Handler = async (ctx, _body, res, params) => {
  const id = params.id ?? '';
  if (!ctx.models.includes(id))
    throw new ApiError(
      404,
      `The model '${id}' does not exist or you do not have access to it.`,
      null,
      'model_not_found',
    );
  sendJson(res, 200, modelObject(id), openaiHeaders(ctx));
};
