// The HTTP client isomorphic-git talks through: fetch with a deadline (AbortSignal), so a hung
// repository host ends a sync with a timeout instead of blocking the source forever, and with an
// extra CA for hosts behind a private certificate authority. A fetched pack is read whole (it is
// compressed: small) under a byte bound, and its objects' sizes are checked before isomorphic-git
// inflates any of them (pack-guard.ts).

import { rootCertificates } from 'node:tls';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { Agent, fetch as undiciFetch } from 'undici';
import { checkPack, PackTooLargeError, packFromResponse } from './pack-guard.js';

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Uint8Array | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* iterate(stream: ReadableStream<Uint8Array> | null): AsyncIterableIterator<Uint8Array> {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export interface HttpStats {
  requests: number;
}

/** Agents by CA bundle, so connections to one host are reused across syncs. */
const agents = new Map<string, Agent>();

function agentFor(ca: string): Agent {
  let agent = agents.get(ca);
  if (!agent) {
    // The CA is added to the system roots, as git's http.sslCAInfo with a bundle would not: a
    // private CA should not stop public hosts from working.
    agent = new Agent({ connect: { ca: [...rootCertificates, ca] } });
    agents.set(ca, agent);
  }
  return agent;
}

/** Reads a response body, refusing it once it passes `max` bytes. */
async function collectBounded(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of iterate(stream)) {
    total += chunk.length;
    if (total > max) {
      await stream?.cancel().catch(() => {});
      throw new PackTooLargeError(`the fetched pack is larger than the ${max}-byte bound`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

async function* once(chunk: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield chunk;
}

export interface PackBounds {
  /** Most bytes one object may inflate to (or rebuild, for a delta). */
  maxObjectBytes: number;
  /** Most bytes of the (compressed) upload-pack response. */
  maxPackBytes: number;
}

/** An isomorphic-git HttpClient whose requests all end when `signal` aborts. */
export function httpClient(
  signal: AbortSignal,
  stats?: HttpStats,
  options: { caCert?: string; pack?: PackBounds } = {},
): HttpClient {
  const dispatcher = options.caCert ? agentFor(options.caCert) : undefined;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      if (stats) stats.requests++;
      const body = await collect(req.body);
      const res = await undiciFetch(req.url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body,
        signal,
        redirect: 'follow',
        dispatcher,
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const stream = res.body as ReadableStream<Uint8Array> | null;
      let resBody = iterate(stream);
      if (
        options.pack &&
        res.ok &&
        req.method === 'POST' &&
        /\/git-upload-pack$/.test(new URL(req.url).pathname)
      ) {
        const bytes = await collectBounded(stream, options.pack.maxPackBytes);
        checkPack(packFromResponse(bytes), options.pack.maxObjectBytes);
        resBody = once(bytes);
      }
      return {
        url: res.url || req.url,
        method: req.method,
        statusCode: res.status,
        statusMessage: res.statusText,
        headers,
        body: resBody,
      };
    },
  };
}
