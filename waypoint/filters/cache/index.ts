// The exact response cache, in the forward stage's place: a hit replays a stored 200 reply instead of
// calling upstream (the request was already decided by the policy; response-phase checks still run
// on the replayed body), a miss forwards and stores the complete reply. `x-semamesh-cache:
// hit|miss|bypass` tells the client which. Non-streaming requests only.
import { Readable } from 'node:stream';
import type { Filter, RequestContext, UpstreamResponse } from '../types.js';
import { cacheKey } from './key.js';
import { LruCache, type LruOptions } from './lru.js';

export { cacheKey, canonicalJson, normalizedBody } from './key.js';
export { LruCache, type LruOptions } from './lru.js';

export type CacheResult = 'hit' | 'miss' | 'bypass';

export interface CacheOptions extends LruOptions {
  /** Largest reply stored (default 1 MiB). */
  maxEntryBytes?: number;
  /** Let all agents read each other's entries (default false: one cache scope per agent). */
  shared?: boolean;
  /** Cache requests that offer tools (default false: tool-using agents act on replies). */
  cacheTools?: boolean;
  /** APIs cached (default chat.completions, completions, embeddings, messages). */
  apis?: string[];
}

export interface CacheFilterOptions extends CacheOptions {
  /** The forward filter a miss delegates to. */
  forward: Filter;
  metrics?: { cache(result: CacheResult): void };
}

interface Entry {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export const CACHE_HEADER = 'x-semamesh-cache';

const DEFAULT_APIS = ['chat.completions', 'completions', 'embeddings', 'messages'];

/** Reply headers worth replaying; ids, dates, rate limits and cookies belong to the original exchange. */
const REPLAYED = new Set(['content-type', 'openai-model', 'anthropic-model']);

function noCache(value: string | string[] | undefined): boolean {
  const v = (Array.isArray(value) ? value.join(',') : (value ?? '')).toLowerCase();
  return v.includes('no-cache') || v.includes('no-store');
}

export interface ResponseCache extends Filter {
  readonly store: LruCache<Entry>;
}

export function responseCache(options: CacheFilterOptions): ResponseCache {
  const store = new LruCache<Entry>(options);
  const maxEntry = options.maxEntryBytes ?? 1024 * 1024;
  const apis = new Set(options.apis ?? DEFAULT_APIS);
  const forward = options.forward;
  const shared = options.shared ?? false;

  /** Why this request may not use the cache, or undefined when it may. */
  const bypassReason = (ctx: RequestContext): string | undefined => {
    if (noCache(ctx.headers['cache-control']) || noCache(ctx.headers.pragma)) return 'no-cache';
    if (ctx.request.stream) return 'stream';
    if (!options.cacheTools && ctx.request.tools.length > 0) return 'tools';
    return undefined;
  };

  return {
    name: 'cache',
    store,
    async onRequest(ctx) {
      const cacheable = ctx.method === 'POST' && apis.has(ctx.api) && ctx.body !== undefined;
      if (!cacheable) {
        await forward.onRequest?.(ctx);
        return;
      }
      if (bypassReason(ctx)) {
        await forward.onRequest?.(ctx);
        if (ctx.upstream) ctx.upstream.headers[CACHE_HEADER] = 'bypass';
        options.metrics?.cache('bypass');
        return;
      }
      const key = cacheKey(ctx, shared);
      const hit = store.get(key);
      if (hit) {
        const e = hit.value;
        ctx.upstream = replay(e, Math.floor(hit.ageMs / 1000));
        options.metrics?.cache('hit');
        return;
      }
      await forward.onRequest?.(ctx);
      options.metrics?.cache('miss');
      const up = ctx.upstream;
      if (!up) return;
      up.headers[CACHE_HEADER] = 'miss';
      const ct = String(up.headers['content-type'] ?? '').toLowerCase();
      if (up.status !== 200 || !ct.includes('json') || noCache(up.headers['cache-control'])) return;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(up.headers))
        if (REPLAYED.has(k) && typeof v === 'string') headers[k] = v;
      up.body = tee(up.body, maxEntry, (body) => {
        store.set(key, { status: up.status, headers, body }, body.length + key.length + 64);
      });
    },
  };
}

function replay(e: Entry, ageSeconds: number): UpstreamResponse {
  return {
    status: e.status,
    headers: {
      ...e.headers,
      'content-length': String(e.body.length),
      age: String(ageSeconds),
      [CACHE_HEADER]: 'hit',
    },
    body: Readable.from([e.body], { objectMode: false }),
    headersMs: 0,
  };
}

/** Passes the upstream body through unchanged and hands the whole of it over once it ended cleanly. */
function tee(
  body: UpstreamResponse['body'],
  maxBytes: number,
  done: (whole: Buffer) => void,
): UpstreamResponse['body'] {
  const chunks: Buffer[] = [];
  let size = 0;
  async function* pass(): AsyncGenerator<Uint8Array> {
    for await (const c of body) {
      size += c.length;
      if (size <= maxBytes) chunks.push(Buffer.from(c));
      yield c;
    }
    if (size <= maxBytes) done(Buffer.concat(chunks));
  }
  const out = Readable.from(pass(), { objectMode: false });
  // Destroying the pass-through (client gone, refusal, or the exchange's end) releases the upstream.
  out.once('close', () => body.destroy(out.errored ?? undefined));
  return out;
}
