// The response cache's key: a hash of the normalized request — provider, upstream, path, the body
// fields that change the output (not credentials, not `user`/`metadata`/stream options) — scoped to
// the agent so one agent never reads another's cached replies unless the cache is shared.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../types.js';

/** Body fields that do not change what the model answers (billing, tracing, transport). */
const IGNORED_FIELDS = new Set(['stream_options', 'user', 'metadata', 'store', 'service_tier']);

/** Request headers that select model behaviour and so belong in the key. */
const KEYED_HEADERS = ['anthropic-version', 'anthropic-beta', 'openai-beta'];

/** JSON with object keys sorted at every level, so field order never splits two equal requests. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Who may read an entry: the agent (namespace/pod, else its peer address), or everyone when shared. */
export function cacheScope(ctx: RequestContext, shared: boolean): string {
  if (shared) return '*';
  const a = ctx.agent;
  if (a.pod) return `pod:${a.namespace}/${a.pod}`;
  return `addr:${a.address ?? ctx.remoteAddress}`;
}

export function normalizedBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (IGNORED_FIELDS.has(k)) continue;
    // `stream: false` and no `stream` ask for the same reply.
    if (k === 'stream' && v === false) continue;
    out[k] = v;
  }
  return out;
}

export function cacheKey(ctx: RequestContext, shared: boolean): string {
  const headers: Record<string, string> = {};
  for (const h of KEYED_HEADERS) {
    const v = ctx.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(',') : v;
  }
  const doc = {
    v: 1,
    scope: cacheScope(ctx, shared),
    provider: ctx.provider.name,
    origin: ctx.route.origin,
    path: ctx.route.upstreamPath,
    headers,
    body: normalizedBody(ctx.body),
  };
  return createHash('sha256').update(canonicalJson(doc)).digest('base64url');
}
