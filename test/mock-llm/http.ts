// HTTP plumbing shared by the mock's providers: body reading with a size cap, JSON replies, and the
// OpenAI and Anthropic error envelopes (their real field names, so SDKs map them to typed errors).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplyPlan, ScriptStore } from './script.js';
import type { Tokenizer } from './tokens.js';

export type Family = 'openai' | 'anthropic';

/** A request the provider would refuse; the server renders it in the caller's error format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads the whole body; past the cap it keeps draining (so the socket stays usable) but keeps nothing. */
export function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) parts.push(chunk);
    });
    req.on('end', () =>
      resolve({ text: Buffer.concat(parts).toString('utf8'), tooLarge: size > MAX_BODY_BYTES }),
    );
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const OPENAI_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['permission_denied', null],
  404: ['invalid_request_error', null],
  409: ['invalid_request_error', null],
  413: ['invalid_request_error', null],
  422: ['invalid_request_error', null],
  429: ['requests', 'rate_limit_exceeded'],
};

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'Incorrect API key provided.',
  403: 'You are not allowed to sample from this model.',
  404: 'Not found.',
  429: 'Rate limit reached for requests.',
  500: 'The server had an error while processing your request.',
  503: 'The engine is currently overloaded, please try again later.',
  529: 'Overloaded',
};

export function openaiErrorBody(
  status: number,
  message?: string,
  overrides: Record<string, unknown> = {},
): { error: Record<string, unknown> } {
  const [type, code] = OPENAI_TYPES[status] ?? ['server_error', null];
  return {
    error: {
      message: message ?? DEFAULT_MESSAGES[status] ?? `Error ${status}.`,
      type,
      param: null,
      code,
      ...overrides,
    },
  };
}

export function anthropicErrorBody(
  status: number,
  message?: string,
  overrides: Record<string, unknown> = {},
  requestId?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'error',
    error: {
      type: ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
      message: message ?? DEFAULT_MESSAGES[status] ?? `Error ${status}.`,
      ...overrides,
    },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

/** Renders an error in the family's envelope; `overrides` come from a script's `reply.error`. */
export function sendError(
  res: ServerResponse,
  family: Family,
  status: number,
  message?: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  const body =
    family === 'openai'
      ? openaiErrorBody(status, message, overrides)
      : anthropicErrorBody(status, message, overrides, headers['request-id']);
  sendJson(res, status, body, headers);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an optional positive integer parameter, refusing what the real APIs refuse. */
export function positiveInt(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ApiError(400, `Invalid '${field}': expected an integer of at least 1.`, field, 'invalid_value');
  return v;
}

/** What a provider handler may use: shared server state plus this request's abort signal. */
export interface MockContext {
  scripts: ScriptStore;
  tokenizer: () => Promise<Tokenizer>;
  /** Deterministic ids: a per-server counter, so two runs of a test see the same ids. */
  nextId: (prefix: string) => string;
  /** Milliseconds since the epoch; injectable so `created` fields can be pinned. */
  now: () => number;
  models: readonly string[];
  /** Aborted when the client goes away or the server closes; pending delays stop on it. */
  signal: AbortSignal;
}

export type Handler = (
  ctx: MockContext,
  body: Record<string, unknown>,
  res: ServerResponse,
  params: Record<string, string>,
) => Promise<void>;

/** Waits the scripted delay, then sends the scripted error if any; true when the reply is done. */
export async function scriptedPreamble(
  ctx: MockContext,
  res: ServerResponse,
  family: Family,
  plan: ReplyPlan,
  headers: Record<string, string>,
): Promise<boolean> {
  if (plan.delayMs > 0) await sleep(plan.delayMs, undefined, { signal: ctx.signal });
  if (plan.status < 400) return false;
  const message = typeof plan.error?.message === 'string' ? plan.error.message : undefined;
  sendError(res, family, plan.status, message, plan.error ?? {}, headers);
  return true;
}

export function requireModel(body: Record<string, unknown>, family: Family): string {
  const model = body.model;
  if (typeof model === 'string' && model !== '') return model;
  if (family === 'openai') throw new ApiError(400, 'you must provide a model parameter');
  throw new ApiError(400, 'model: Field required', 'model');
}
