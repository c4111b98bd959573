// The upstream side: one undici Agent (a keep-alive pool per origin, TLS origination for https)
// and the mapping of its failures to coded 502/504 errors.
import { EventEmitter } from 'node:events';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { upstreamFailed, upstreamTimeout, type WaypointError } from '../errors.js';
import type { UpstreamResponse } from '../filters/types.js';

export interface UpstreamOptions {
  /** Connections per origin (default 128). */
  connections?: number;
  keepAliveTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Time to the upstream's response headers (default 300 s: models think before answering). */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks (default 300 s). */
  bodyTimeoutMs?: number;
  /** Verify upstream TLS certificates (default true). */
  rejectUnauthorized?: boolean;
  /** Extra CA certificates (PEM) trusted upstream besides the system ones, e.g. a test CA. */
  extraCa?: string[];
}

export interface UpstreamRequest {
  origin: string;
  /** TLS server name when connecting to an address (the certificate is verified for it). */
  servername?: string;
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  signal: AbortSignal | ExchangeAbort;
}

/**
 * The abort of one exchange (its client went away): an EventEmitter with `aborted` and an `abort`
 * event, which undici takes as a request's signal. An AbortController per request was ~2 % of a
 * request's CPU in profiles under load (an EventTarget is slow to build in Node 20, and undici adds
 * and removes its listener on it).
 */
export class ExchangeAbort extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

export interface UpstreamClient {
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export function createUpstream(options: UpstreamOptions = {}): UpstreamClient {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    headersTimeout: options.headersTimeoutMs ?? 300_000,
    bodyTimeout: options.bodyTimeoutMs ?? 300_000,
    connect: {
      timeout: options.connectTimeoutMs ?? 10_000,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      // Setting `ca` replaces Node's roots, so they are repeated: an extra CA adds trust, never narrows it.
      ...(options.extraCa?.length ? { ca: [...rootCertificates, ...options.extraCa] } : {}),
    },
  });
  return {
    async request(req) {
      const t0 = performance.now();
      try {
        const res = await agent.request({
          origin: req.origin,
          path: req.path,
          method: req.method as 'POST',
          headers: req.headers,
          body: req.body,
          signal: req.signal,
          ...(req.servername ? { servername: req.servername } : {}),
        } as Parameters<typeof agent.request>[0]);
        return {
          status: res.statusCode,
          headers: res.headers,
          body: res.body,
          headersMs: performance.now() - t0,
        };
      } catch (err) {
        throw mapUpstreamError(err);
      }
    },
    close: () => agent.close(),
  };
}

export function mapUpstreamError(err: unknown): WaypointError {
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return upstreamTimeout(`${code}: ${msg}`, err);
  }
  return upstreamFailed(code ? `${code}: ${msg}` : msg, err);
}
