// The mock LLM server: routes OpenAI and Anthropic paths to their handlers on a bare node:http server,
// checks credentials the way each provider does, records requests, and serves the /__mock control API.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as anthropic from './anthropic.js';
import { MockLlmError } from './errors.js';
import {
  ApiError,
  type Family,
  type Handler,
  isRecord,
  type MockContext,
  readBody,
  sendError,
  sendJson,
} from './http.js';
import * as openai from './openai.js';
import { responses } from './responses.js';
import { type ScriptHandle, type ScriptInput, ScriptStore } from './script.js';
import { loadTokenizer, type TokenizerKind } from './tokens.js';

export interface MockLlmOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** `o200k` (default): real o200k_base counts; `approx`: no encoder load, see tokens.ts. */
  tokenizer?: TokenizerKind;
  /** When set, only these keys pass; otherwise any non-empty key does. */
  apiKeys?: readonly string[];
  /** The built-in demo script (`run the cleanup` → shell tool call); on by default. */
  canned?: boolean;
  maxRecorded?: number;
  models?: readonly string[];
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** Lower-case names; credentials in authorization, x-api-key and api-key are replaced. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when it did not parse, or undefined without a body. */
  body: unknown;
  family: Family;
  /** e.g. `chat.completions`, `responses`, `messages`; undefined for an unknown path. */
  api: string | undefined;
  status: number | undefined;
  receivedAt: number;
}

export interface MockLlm {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The last `maxRecorded` requests, oldest first; a live array that reset() empties in place. */
  readonly requests: RecordedRequest[];
  script(input: ScriptInput): ScriptHandle;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-5-mini',
  'o4-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'text-embedding-ada-002',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-opus-4-1',
];

interface Route {
  method: string;
  /** `:id` matches one path segment. */
  path: string;
  api: string;
  family: Family | 'by-header';
  openai?: Handler;
  anthropic?: Handler;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/v1/chat/completions',
    api: 'chat.completions',
    family: 'openai',
    openai: openai.chatCompletions,
  },
  { method: 'POST', path: '/v1/responses', api: 'responses', family: 'openai', openai: responses },
  {
    method: 'POST',
    path: '/v1/completions',
    api: 'completions',
    family: 'openai',
    openai: openai.completions,
  },
  { method: 'POST', path: '/v1/embeddings', api: 'embeddings', family: 'openai', openai: openai.embeddings },
  {
    method: 'POST',
    path: '/v1/messages',
    api: 'messages',
    family: 'anthropic',
    anthropic: anthropic.messages,
  },
  {
    method: 'POST',
    path: '/v1/messages/count_tokens',
    api: 'messages.count_tokens',
    family: 'anthropic',
    anthropic: anthropic.countTokens,
  },
  {
    method: 'GET',
    path: '/v1/models',
    api: 'models',
    family: 'by-header',
    openai: openai.listModels,
    anthropic: anthropic.listModels,
  },
  {
    method: 'GET',
    path: '/v1/models/:id',
    api: 'models',
    family: 'by-header',
    openai: openai.getModel,
    anthropic: anthropic.getModel,
  },
];

function matchRoute(path: string): { route: Route; params: Record<string, string> } | undefined {
  const segs = path.split('/');
  for (const route of ROUTES) {
    const want = route.path.split('/');
    if (want.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; ok && i < want.length; i++) {
      if (!want[i].startsWith(':')) ok = want[i] === segs[i];
      else {
        try {
          params[want[i].slice(1)] = decodeURIComponent(segs[i]);
        } catch {
          ok = false; // a malformed %-escape is an unknown path, not a server error
        }
      }
    }
    if (ok) return { route, params };
  }
  return undefined;
}

/**
 * For shared or unknown paths: Anthropic SDKs always send anthropic-version, and an x-api-key alone
 * also marks an Anthropic caller.
 */
function familyOf(path: string, headers: IncomingMessage['headers']): Family {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined
    ? 'anthropic'
    : 'openai';
}

const SECRET_HEADERS = new Set(['x-api-key', 'api-key', 'proxy-authorization']);

function redactHeaders(headers: IncomingMessage['headers']): RecordedRequest['headers'] {
  const out: RecordedRequest['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization' && typeof value === 'string') {
      const scheme = value.split(' ', 1)[0];
      out[name] = value.includes(' ') ? `${scheme} [redacted]` : '[redacted]';
    } else out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : value;
  }
  return out;
}

function bearer(headers: IncomingMessage['headers']): string | undefined {
  const m = /^Bearer\s+(\S.*)$/i.exec(headers.authorization ?? '');
  return m ? m[1].trim() : undefined;
}

function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}

/** Refuses a request the way the provider would; returns the error to send or undefined to go on. */
function authError(
  family: Family,
  headers: IncomingMessage['headers'],
  keys: readonly string[] | undefined,
): ApiError | undefined {
  if (family === 'openai') {
    const key = bearer(headers);
    if (key === undefined)
      return new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    if (keys !== undefined && !keys.includes(key))
      return new ApiError(401, `Incorrect API key provided: ${maskKey(key)}.`, null, 'invalid_api_key');
    return undefined;
  }
  const header = headers['x-api-key'];
  const key = (typeof header === 'string' && header !== '' ? header : undefined) ?? bearer(headers);
  if (key === undefined) return new ApiError(401, 'x-api-key header is required');
  if (keys !== undefined && !keys.includes(key)) return new ApiError(401, 'invalid x-api-key');
  return undefined;
}

function renderApiError(res: ServerResponse, family: Family, err: ApiError): void {
  const overrides = family === 'openai' ? { param: err.param, code: err.code } : {};
  sendError(res, family, err.status, err.message, overrides);
}

export async function createMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const host = options.host ?? '127.0.0.1';
  const kind = options.tokenizer ?? 'o200k';
  const maxRecorded = options.maxRecorded ?? 1000;
  const scripts = new ScriptStore(options.canned ?? true);
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  // Loaded before listening, so no request pays the encoder's start-up and a load failure surfaces here.
  await loadTokenizer(kind);
  let counter = 0;
  const shared = {
    scripts,
    tokenizer: () => loadTokenizer(kind),
    nextId: (prefix: string) => `${prefix}mock${(++counter).toString(36).padStart(8, '0')}`,
    now: options.now ?? Date.now,
    models: options.models ?? DEFAULT_MODELS,
  };

  async function control(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    text: string,
  ): Promise<void> {
    if (req.method === 'GET' && path === '/__mock/requests') return sendJson(res, 200, { requests });
    if (req.method === 'POST' && path === '/__mock/reset') {
      api.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__mock/script') {
      try {
        const parsed: unknown = JSON.parse(text);
        const list = Array.isArray(parsed)
          ? parsed
          : isRecord(parsed) && Array.isArray(parsed.scripts)
            ? parsed.scripts
            : [parsed];
        const handles = scripts.addAll(list);
        return sendJson(res, 200, { ok: true, ids: handles.map((h) => h.id), scripts: scripts.size });
      } catch (err) {
        const message = err instanceof MockLlmError ? err.message : `invalid mock script: body is not JSON`;
        return sendJson(res, 400, { error: { code: 'SM_ERR_MOCK_SCRIPT_INVALID', message } });
      }
    }
    sendJson(res, 404, { error: { message: `no mock control endpoint ${req.method} ${path}` } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = (q < 0 ? rawUrl : rawUrl.slice(0, q)).replace(/\/+$/, '') || '/';
    const { text, tooLarge } = await readBody(req);
    if (path.startsWith('/__mock/')) return control(req, res, path, text);

    const found = matchRoute(path);
    const family =
      found && found.route.family !== 'by-header' ? found.route.family : familyOf(path, req.headers);
    const route = found && found.route.method === req.method ? found.route : undefined;
    let body: unknown;
    let parseFailed = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        parseFailed = true;
      }
    }
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      query: q < 0 ? '' : rawUrl.slice(q + 1),
      headers: redactHeaders(req.headers),
      body,
      family,
      api: route?.api,
      status: undefined,
      receivedAt: shared.now(),
    };
    requests.push(rec);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
    res.once('finish', () => {
      rec.status = res.statusCode;
    });

    const ac = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    try {
      if (route === undefined)
        throw new ApiError(404, family === 'openai' ? `Invalid URL (${req.method} ${path})` : 'Not Found');
      const auth = authError(family, req.headers, options.apiKeys);
      if (auth) throw auth;
      if (tooLarge) throw new ApiError(413, 'Request body too large.');
      if (req.method === 'POST') {
        if (parseFailed || !isRecord(body))
          throw new ApiError(
            400,
            family === 'openai'
              ? 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.'
              : 'The request body is not valid JSON.',
          );
      }
      const handler = family === 'openai' ? route.openai : route.anthropic;
      if (handler === undefined) throw new ApiError(404, 'Not Found');
      const ctx: MockContext = {
        ...shared,
        signal: AbortSignal.any([ac.signal, closing.signal]),
      };
      await handler(ctx, isRecord(body) ? body : {}, res, found?.params ?? {});
    } catch (err) {
      if (res.headersSent) res.destroy();
      else if (err instanceof ApiError) renderApiError(res, family, err);
      else if (ac.signal.aborted || closing.signal.aborted) res.destroy();
      else sendError(res, family, 500, `mock LLM internal error: ${(err as Error).message}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new MockLlmError('SM_ERR_MOCK_LISTEN', `mock LLM cannot listen on ${host}:${options.port ?? 0}`, {
          cause,
        }),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const api: MockLlm = {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    requests,
    script: (input) => scripts.add(input),
    reset() {
      scripts.clear();
      requests.length = 0;
    },
    close() {
      closing.abort();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}
